package io.decq.train.loop;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.decq.core.config.ConfigBinder;
import io.decq.core.config.DecqConfig;
import io.decq.core.config.TrainConfig;
import io.decq.core.error.BadInputException;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import io.decq.core.io.HostTensor;
import io.decq.core.nn.NoGrad;
import io.decq.core.run.Checkpoint;
import io.decq.core.run.CheckpointState;
import io.decq.core.run.RunDirectory;
import io.decq.core.util.Provenance;
import io.decq.core.util.Seeds;
import io.decq.train.Tensors;
import io.decq.train.data.BatchSource;
import io.decq.train.data.DataPosition;
import io.decq.train.optim.AdamW;
import io.decq.train.optim.Ema;
import io.decq.train.optim.Gradients;
import io.decq.train.optim.LrSchedule;
import io.decq.train.run.CheckpointWriter;
import io.decq.train.run.MetricsLog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model-independent training loop shared by the trainers. A trainer builds its model, hands over
 * the trainable parameters (by name), the model's other state tensors (running statistics, fixed
 * tables), a {@link BatchSource} and a {@link StepFunction} (forward pass and loss), optionally {@link
 * ExtraOptimizer}s (e.g. a GAN discriminator), and calls {@link #run()}. Each step:
 *
 * <ol>
 *   <li>takes the next batch (prepared ahead on worker threads);
 *   <li>reseeds libtorch's generator from (seed, step) and opens a memory scope (sub-manager + NDScope);
 *   <li>runs the step function inside a gradient collector and back-propagates the total loss;
 *   <li>measures the global gradient norm and clips it ({@code train.grad_clip}); a non-finite loss or
 *       norm stops the run;
 *   <li>AdamW update with the scheduled rate, gradients zeroed, EMA update, all in place;
 *   <li>then each extra optimizer whose {@code active} predicate accepts the step, in turn: its loss in
 *       its own gradient collector (it may read the main step's outputs), clipping, its AdamW update with
 *       its own schedule at its own step count, gradients zeroed;
 *   <li>closes the scope: every array the step made is freed.
 * </ol>
 *
 * Every {@code train.log_every} steps it logs progress and appends to {@code metrics.jsonl}; every
 * {@code train.preview_every} steps it writes a preview grid; every {@code train.checkpoint_every}
 * steps (and at the end) a checkpoint of everything above. A run resumed from a checkpoint continues
 * exactly (the loop restores weights, state tensors, both kinds of optimizer, EMA and data position):
 * with the same seed on the CPU its weights at step n are bitwise those of an uninterrupted run.
 *
 * @param <B> the batch type
 */
@SuppressWarnings("try") // NoGrad and NDScope regions are opened for their effect, not used in the body
public final class TrainLoop<B> {
  private static final Logger LOG = LoggerFactory.getLogger(TrainLoop.class);
  private static final String RNG_SCHEME =
      "stateless: libtorch and the step's java.util.Random are seeded from (seed, step) at every step; "
          + "data order and augmentations from (seed, epoch, index)";

  private final DecqConfig config;
  private final TrainConfig train;
  private final RunDirectory run;
  private final Map<String, Parameter> params;
  private final BatchSource<B> data;
  private final StepFunction<B> stepFunction;
  private final PreviewFunction preview;
  private final int previewColumns;
  private final NDManager manager;
  private final Checkpoint resume;
  private final Map<String, NDArray> stateTensors;
  private final List<ExtraOptimizer<B>> extras;
  private final List<StepListener> listeners;
  private boolean started;

  private TrainLoop(Builder<B> b) {
    this.config = Objects.requireNonNull(b.config, "config");
    this.train = config.train();
    this.run = new RunDirectory(Objects.requireNonNull(b.runDir, "runDir"));
    this.params = new LinkedHashMap<>(Objects.requireNonNull(b.params, "parameters"));
    this.data = Objects.requireNonNull(b.data, "data");
    this.stepFunction = Objects.requireNonNull(b.step, "step");
    this.preview = b.preview;
    this.previewColumns = b.previewColumns;
    this.manager = Objects.requireNonNull(b.manager, "manager");
    this.stateTensors = new LinkedHashMap<>(b.stateTensors);
    this.extras = List.copyOf(b.extras);
    this.listeners = List.copyOf(b.listeners);
    Tensors.requireTrainable(params);
    for (String name : stateTensors.keySet()) {
      if (params.containsKey(name)) {
        throw new IllegalArgumentException("state tensor " + name + " has the name of a trainable parameter");
      }
    }
    Set<String> names = new HashSet<>();
    for (ExtraOptimizer<B> e : extras) {
      Tensors.requireTrainable(e.params());
      if (!names.add(e.name())) {
        throw new IllegalArgumentException("two extra optimizers named " + e.name());
      }
    }
    if (data.batchSize() != train.batchSize()) {
      throw new IllegalArgumentException("the data source makes batches of " + data.batchSize()
          + " but train.batch_size is " + train.batchSize());
    }
    this.resume = b.resumeFrom == null ? null : Checkpoint.resolve(b.resumeFrom, "--resume");
    boolean sameRun = resume != null && run.root().equals(resume.runDir());
    if (!sameRun && run.holdsRun()) {
      throw new BadInputException("--out " + run.root() + ": already holds a training run (checkpoints or metrics.jsonl); "
          + "continue it with --resume " + run.root() + ", or choose another --out (or delete that folder)");
    }
  }

  public static <B> Builder<B> builder() {
    return new Builder<>();
  }

  /** Trains from the start (or the resumed checkpoint) to {@code train.max_steps}; call once. */
  public TrainResult run() {
    if (started) {
      throw new IllegalStateException("a TrainLoop runs once; build another to train again");
    }
    started = true;
    Engine engine = Engine.getInstance();
    Device device = params.values().iterator().next().getArray().getDevice();
    try (NoGrad noGrad = NoGrad.enter();
        AdamW optimizer = AdamW.of(params, train, manager);
        Ema ema = new Ema(params, train.emaDecay(), manager);
        Extras<B> extraParts = new Extras<>()) {
      for (ExtraOptimizer<B> e : extras) {
        extraParts.add(new Extra<>(e, AdamW.of(e.params(), e.settings(), manager), LrSchedule.of(e.settings())));
      }
      // Start or resume: weights, state tensors, optimizers, EMA and data position come back exactly.
      long start = resume == null ? 0 : restore(optimizer, ema, extraParts);
      if (resume != null && run.root().equals(resume.runDir())) {
        MetricsLog.truncateAfter(run.metricsFile(), start);
      }
      run.writeConfig(config);
      Map<String, Object> provenance = Provenance.ofRun(train.seed(), device);
      LrSchedule schedule = LrSchedule.of(train);
      logStart(start, optimizer);
      if (start >= train.maxSteps()) {
        LOG.info("the checkpoint is at step {}, train.max_steps is {}: nothing to do", start, train.maxSteps());
      }

      MetricsWindow window = new MetricsWindow();
      MetricsWindow total = new MetricsWindow();
      double firstLoss = Double.NaN;
      double lastLoss = Double.NaN;
      Path lastCheckpoint = null;
      try (MetricsLog metrics = new MetricsLog(run.metricsFile())) {
        for (long step = start + 1; step <= train.maxSteps(); step++) {
          long t0 = System.nanoTime();
          double epoch = epochOf(data.position());
          B batch = data.next();
          long t1 = System.nanoTime();
          double lr = schedule.at(step);
          StepReport report = step(engine, optimizer, ema, extraParts, batch, step, epoch, lr);
          long t2 = System.nanoTime();
          window.add(report, t2 - t0, t1 - t0);
          total.add(report, t2 - t0, t1 - t0);
          for (StepListener l : listeners) {
            l.afterStep(report);
          }

          if (step % train.logEvery() == 0 || step == train.maxSteps()) {
            metrics.append(window.record(step, epochOf(data.position()), lr, data.batchSize()));
            LOG.info(window.progressLine(step, train.maxSteps(), lr, data.batchSize(), total));
            firstLoss = Double.isNaN(firstLoss) ? window.meanLoss() : firstLoss;
            lastLoss = window.meanLoss();
            window = new MetricsWindow();
          }
          if (preview != null && train.previewEvery() > 0
              && (step % train.previewEvery() == 0 || step == train.maxSteps())) {
            writePreview(engine, ema, step);
          }
          if (step % train.checkpointEvery() == 0 || step == train.maxSteps()) {
            lastCheckpoint = writeCheckpoint(optimizer, ema, extraParts, step, provenance);
          }
        }
      }
      double imagesPerSecond = total.count == 0 ? Double.NaN : total.imagesPerSecond(data.batchSize());
      return new TrainResult(start, Math.max(start, train.maxSteps()), firstLoss, lastLoss, imagesPerSecond,
          lastCheckpoint, run.root());
    }
  }

  /** An extra optimizer with its AdamW and schedule, for one run. */
  private record Extra<B>(ExtraOptimizer<B> spec, AdamW optimizer, LrSchedule schedule) {}

  /** The run's extra optimizers; closing frees their state. */
  private static final class Extras<B> extends ArrayList<Extra<B>> implements AutoCloseable {
    private static final long serialVersionUID = 1L;

    @Override
    public void close() {
      forEach(e -> e.optimizer().close());
    }
  }

  /**
   * One optimizer step of the main model, then one of each extra optimizer; every array it makes is
   * freed on return.
   */
  private StepReport step(Engine engine, AdamW optimizer, Ema ema, List<Extra<B>> extraParts, B batch, long step,
      double epoch, double lr) {
    try (NDScope scope = new NDScope(); NDManager stepManager = manager.newSubManager()) {
      engine.setRandomSeed((int) Seeds.derive(train.seed(), Seeds.STEP, step));
      StepContext ctx = new StepContext(stepManager, step, train.maxSteps(), epoch,
          new Random(Seeds.derive(train.seed(), Seeds.STEP, step, 1)));
      Map<String, Double> terms = new LinkedHashMap<>();
      StepLoss main = backward(stepFunction, ctx, batch, terms, "");
      double value = main.total().getFloat();
      double gradNorm = clip(params, train, step, value);
      optimizer.step(lr);
      Gradients.zero(params.values());
      ema.update();
      StepContext extraCtx = ctx.withOutputs(main.outputs());
      for (Extra<B> e : extraParts) {
        if (!e.spec().active().test(extraCtx)) {
          continue;
        }
        Collection<Parameter> own = e.spec().params().values();
        Gradients.zero(own); // what the main loss left on them
        String name = e.spec().name();
        double extraValue = backward(e.spec().loss(), extraCtx, batch, terms, name + "_").total().getFloat();
        terms.put(name + "_loss", extraValue);
        clip(e.spec().params(), e.spec().settings(), step, extraValue);
        e.optimizer().step(e.schedule().at(e.optimizer().steps() + 1));
        Gradients.zero(own);
        Gradients.zero(params.values()); // what its loss left on the main model
      }
      return new StepReport(step, value, terms, lr, gradNorm);
    }
  }

  /** Runs {@code f} in a gradient collector and back-propagates its total; adds its terms; returns its loss. */
  private static <B> StepLoss backward(StepFunction<B> f, StepContext ctx, B batch, Map<String, Double> terms, String prefix) {
    Engine engine = Engine.getInstance();
    StepLoss loss;
    try (GradientCollector collector = engine.newGradientCollector()) {
      loss = f.compute(ctx, batch);
      collector.backward(loss.total());
    }
    double value = loss.total().getFloat();
    Map<String, Double> own = new LinkedHashMap<>();
    loss.terms().forEach((k, v) -> own.put(prefix + k, (double) v.getFloat()));
    if (!Double.isFinite(value)) {
      throw new IllegalStateException("the " + prefix + "loss is " + value + " at step "
          + ctx.step() + " " + own + "; training diverged (lower train.lr, or set train.grad_clip)");
    }
    terms.putAll(own);
    return loss;
  }

  /** The global gradient norm of {@code ps} before clipping to {@code settings.grad_clip} (0: no clipping). */
  private static double clip(Map<String, Parameter> ps, TrainConfig settings, long step, double loss) {
    double norm = settings.gradClip() > 0
        ? Gradients.clipGlobalNorm(ps.values(), settings.gradClip())
        : Gradients.globalNorm(ps.values());
    if (!Double.isFinite(norm)) {
      throw new IllegalStateException("the gradient norm is " + norm + " at step " + step + " (loss " + loss
          + "); training diverged (lower train.lr, or set train.grad_clip)");
    }
    return norm;
  }

  /**
   * Loads the resumed checkpoint into the weights, state tensors, optimizers, EMA and data stream;
   * returns its step.
   */
  private long restore(AdamW optimizer, Ema ema, List<Extra<B>> extraParts) {
    Path dir = resume.dir();
    CheckpointState state = resume.state();
    Map<String, HostTensor> model = resume.model();
    Map<String, NDArray> all = new LinkedHashMap<>(Tensors.arrays(params));
    all.putAll(stateTensors);
    load(all, model, dir.resolve(Checkpoint.MODEL));
    ema.load(resume.ema(), dir.resolve(Checkpoint.EMA));
    optimizer.load(resume.optimizer(), state.optimizerStep(), dir.resolve(Checkpoint.OPTIMIZER));
    for (Extra<B> e : extraParts) {
      String name = e.spec().name();
      Long steps = state.extraOptimizerSteps().get(name);
      if (steps == null) {
        throw new BadInputException("--resume " + dir + ": the checkpoint has no trained part '" + name + "' (it has "
            + state.extraOptimizerSteps().keySet() + "); it was written by another trainer");
      }
      Map<String, NDArray> arrays = new LinkedHashMap<>(Tensors.arrays(e.spec().params()));
      arrays.putAll(e.spec().stateTensors());
      load(arrays, resume.weights(name), dir.resolve(Checkpoint.weightsFile(name)));
      e.optimizer().load(resume.optimizer(name), steps, dir.resolve(Checkpoint.optimizerFile(name)));
    }
    data.seek(new DataPosition(state.position().epoch(), state.position().index()));
    List<String> changed = ConfigDiff.changes(state.config(), config);
    if (!changed.isEmpty()) {
      LOG.warn("resuming with a changed config: {}", String.join("; ", changed));
    }
    LOG.info("resumed from {} (step {}, epoch {}, sample {})", dir, resume.step(), state.position().epoch(),
        state.position().index());
    return resume.step();
  }

  /** Copies each named tensor of {@code saved} into its array. */
  private static void load(Map<String, NDArray> arrays, Map<String, HostTensor> saved, Path file) {
    for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
      HostTensor t = saved.get(e.getKey());
      if (t == null) {
        throw new BadInputException("--resume " + file.getParent() + ": " + file.getFileName() + " has no tensor '"
            + e.getKey() + "' (it holds " + saved.size() + " tensors; was it written for another model?)");
      }
      Tensors.load(e.getValue(), t, e.getKey(), file);
    }
  }

  private Path writeCheckpoint(AdamW optimizer, Ema ema, List<Extra<B>> extraParts, long step,
      Map<String, Object> provenance) {
    long t0 = System.nanoTime();
    Map<String, HostTensor> model = Tensors.toHost(Tensors.arrays(params));
    Map<String, HostTensor> averaged = new LinkedHashMap<>(ema.state());
    Map<String, HostTensor> fixed = Tensors.toHost(stateTensors);
    model.putAll(fixed);
    averaged.putAll(fixed);
    Map<String, CheckpointWriter.ExtraPart> extraState = new LinkedHashMap<>();
    Map<String, Long> extraSteps = new LinkedHashMap<>();
    for (Extra<B> e : extraParts) {
      Map<String, NDArray> arrays = new LinkedHashMap<>(Tensors.arrays(e.spec().params()));
      arrays.putAll(e.spec().stateTensors());
      extraState.put(e.spec().name(), new CheckpointWriter.ExtraPart(Tensors.toHost(arrays),
          new CheckpointWriter.OptimizerState(e.optimizer().state(), e.optimizer().metadata())));
      extraSteps.put(e.spec().name(), e.optimizer().steps());
    }
    DataPosition pos = data.position();
    CheckpointState state = new CheckpointState(step, new CheckpointState.Position(pos.epoch(), pos.index(), data.epochSize()),
        optimizer.steps(), extraSteps, LrSchedule.of(train).at(step), train.seed(), RNG_SCHEME, ConfigBinder.toTree(config),
        provenance);
    Path dir = CheckpointWriter.write(run, step, new CheckpointWriter.Contents(model, averaged,
        new CheckpointWriter.OptimizerState(optimizer.state(), optimizer.metadata()), extraState, state), train.keepLast());
    LOG.info("checkpoint {} ({} ms)", run.root().relativize(dir), (System.nanoTime() - t0) / 1_000_000);
    return dir;
  }

  private void writePreview(Engine engine, Ema ema, long step) {
    try (NDScope scope = new NDScope(); NDManager previewManager = manager.newSubManager()) {
      engine.setRandomSeed((int) Seeds.derive(train.seed(), Seeds.PREVIEW));
      Supplier<List<RgbImage>> render = () -> Images.fromNCHW(preview.render(previewManager, step));
      List<RgbImage> images = train.previewEma() ? ema.withAveragedWeights(render) : render.get();
      Path file = run.previewFile(step);
      Images.writePng(Images.grid(images, previewColumns, 2), file);
      LOG.info("preview {}", run.root().relativize(file));
    }
  }

  private double epochOf(DataPosition p) {
    return p.epoch() + (double) p.index() / data.epochSize();
  }

  private void logStart(long start, AdamW optimizer) {
    long numel = 0;
    for (Parameter p : params.values()) {
      numel += p.getArray().size();
    }
    LOG.info("training {} parameters in {} tensors ({} with weight decay) -> {}", numel, params.size(),
        optimizer.decayed().size(), run.root());
    LOG.debug("no weight decay: {}", optimizer.notDecayed());
    LOG.info("steps {}..{} | batch {} | {} images per epoch | lr {} {} (warm-up {}, final {}) | EMA {}", start + 1,
        train.maxSteps(), train.batchSize(), data.epochSize(), train.lr(),
        ConfigBinder.enumKey(train.lrSchedule()), train.warmupSteps(), train.finalLr(), train.emaDecay());
  }

  /** Assembles a {@link TrainLoop}; config, runDir, parameters, data, step and manager are required. */
  public static final class Builder<B> {
    private DecqConfig config;
    private Path runDir;
    private Map<String, Parameter> params;
    private BatchSource<B> data;
    private StepFunction<B> step;
    private PreviewFunction preview;
    private int previewColumns = 8;
    private NDManager manager;
    private Path resumeFrom;
    private final Map<String, NDArray> stateTensors = new LinkedHashMap<>();
    private final List<ExtraOptimizer<B>> extras = new ArrayList<>();
    private final List<StepListener> listeners = new ArrayList<>();

    private Builder() {}

    /** The resolved config: {@code train.*} drives the loop; all of it is saved with the run. */
    public Builder<B> config(DecqConfig config) {
      this.config = config;
      return this;
    }

    /** The run directory ({@code --out}). */
    public Builder<B> runDir(Path runDir) {
      this.runDir = runDir;
      return this;
    }

    /** The trainable parameters by dotted name, in a fixed order (the checkpoint keys). */
    public Builder<B> parameters(Map<String, Parameter> params) {
      this.params = params;
      return this;
    }

    /** The batch stream (its batch size must equal train.batch_size). */
    public Builder<B> data(BatchSource<B> data) {
      this.data = data;
      return this;
    }

    /** The forward pass and loss of one step. */
    public Builder<B> step(StepFunction<B> step) {
      this.step = step;
      return this;
    }

    /** Renders preview grids every train.preview_every steps, {@code columns} images per row. */
    public Builder<B> preview(PreviewFunction preview, int columns) {
      if (columns < 1) {
        throw new IllegalArgumentException("preview columns must be >= 1");
      }
      this.preview = preview;
      this.previewColumns = columns;
      return this;
    }

    /** The manager (on the parameters' device) under which optimizer, EMA and step arrays live. */
    public Builder<B> manager(NDManager manager) {
      this.manager = manager;
      return this;
    }

    /** Continue from a checkpoint: a run directory or a {@code checkpoints/step-NNNNNNN} folder (null = start fresh). */
    public Builder<B> resumeFrom(Path runOrCheckpoint) {
      this.resumeFrom = runOrCheckpoint;
      return this;
    }

    /**
     * The model's state tensors that no optimizer updates (running statistics, fixed tables), by name:
     * written into model.safetensors and ema.safetensors beside the weights, so a checkpoint holds the
     * model's whole state dict, and copied back in place on resume.
     */
    public Builder<B> stateTensors(Map<String, NDArray> tensors) {
      this.stateTensors.putAll(tensors);
      return this;
    }

    /** A further part trained by its own optimizer after each main step (e.g. a GAN discriminator). */
    public Builder<B> extraOptimizer(ExtraOptimizer<B> extra) {
      this.extras.add(extra);
      return this;
    }

    /** Called after every step. */
    public Builder<B> listener(StepListener listener) {
      this.listeners.add(listener);
      return this;
    }

    /**
     * Checks the pieces and the run directory, and resolves {@code --resume}.
     *
     * @throws BadInputException when the run directory already holds another run or the checkpoint is unusable
     */
    public TrainLoop<B> build() {
      return new TrainLoop<>(this);
    }
  }
}
