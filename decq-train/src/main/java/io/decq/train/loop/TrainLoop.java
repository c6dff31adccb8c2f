package io.decq.train.loop;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.decq.core.error.BadInputException;
import io.decq.core.config.ConfigBinder;
import io.decq.core.config.DecqConfig;
import io.decq.core.config.TrainConfig;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import io.decq.core.io.HostTensor;
import io.decq.core.util.Provenance;
import io.decq.core.nn.NoGrad;
import io.decq.train.Seeds;
import io.decq.train.Tensors;
import io.decq.train.data.BatchSource;
import io.decq.train.data.DataPosition;
import io.decq.train.optim.AdamW;
import io.decq.train.optim.Ema;
import io.decq.train.optim.Gradients;
import io.decq.train.optim.LrSchedule;
import io.decq.core.run.Checkpoint;
import io.decq.core.run.CheckpointState;
import io.decq.core.run.Metrics;
import io.decq.train.run.CheckpointWriter;
import io.decq.train.run.MetricsLog;
import io.decq.core.run.RunDirectory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model-independent training loop shared by the trainers. A trainer builds its model, hands over
 * the trainable parameters (by name), a {@link BatchSource} and a {@link StepFunction} (forward pass
 * and loss), and calls {@link #run()}. Each step:
 *
 * <ol>
 *   <li>takes the next batch (prepared ahead on worker threads);
 *   <li>reseeds libtorch's generator from (seed, step) and opens a memory scope (sub-manager + NDScope);
 *   <li>runs the step function inside a gradient collector and back-propagates the total loss;
 *   <li>measures the global gradient norm and clips it ({@code train.grad_clip}); a non-finite loss or
 *       norm stops the run;
 *   <li>AdamW update with the scheduled rate, gradients zeroed, EMA update, all in place;
 *   <li>closes the scope: every array the step made is freed.
 * </ol>
 *
 * Every {@code train.log_every} steps it logs progress and appends to {@code metrics.jsonl}; every
 * {@code train.preview_every} steps it writes a preview grid; every {@code train.checkpoint_every}
 * steps (and at the end) a checkpoint. A run resumed from a checkpoint continues exactly: with the same
 * seed on the CPU its weights at step n are bitwise those of an uninterrupted run.
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
  private final Map<String, NDArray> extraTensors;
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
    this.extraTensors = new LinkedHashMap<>(b.extraTensors);
    this.listeners = List.copyOf(b.listeners);
    Tensors.requireTrainable(params);
    for (String name : extraTensors.keySet()) {
      if (params.containsKey(name)) {
        throw new IllegalArgumentException("extra tensor " + name + " has the name of a trainable parameter");
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
        Ema ema = new Ema(params, train.emaDecay(), manager)) {
      // Start or resume: weights, optimizer, EMA and data position come back exactly.
      long start = resume == null ? 0 : restore(optimizer, ema);
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

      Window window = new Window();
      Window total = new Window();
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
          StepReport report = step(engine, optimizer, ema, batch, step, epoch, lr);
          long t2 = System.nanoTime();
          window.add(report, t2 - t0, t1 - t0);
          total.add(report, t2 - t0, t1 - t0);
          for (StepListener l : listeners) {
            l.afterStep(report);
          }

          if (step % train.logEvery() == 0 || step == train.maxSteps()) {
            metrics.append(window.record(step, epochOf(data.position()), lr, data.batchSize()));
            logProgress(step, window, total, lr);
            firstLoss = Double.isNaN(firstLoss) ? window.meanLoss() : firstLoss;
            lastLoss = window.meanLoss();
            window = new Window();
          }
          if (preview != null && train.previewEvery() > 0
              && (step % train.previewEvery() == 0 || step == train.maxSteps())) {
            writePreview(engine, ema, step);
          }
          if (step % train.checkpointEvery() == 0 || step == train.maxSteps()) {
            lastCheckpoint = writeCheckpoint(optimizer, ema, step, provenance);
          }
        }
      }
      double imagesPerSecond = total.count == 0 ? Double.NaN : total.count * (double) data.batchSize() / (total.nanos * 1e-9);
      return new TrainResult(start, Math.max(start, train.maxSteps()), firstLoss, lastLoss, imagesPerSecond,
          lastCheckpoint, run.root());
    }
  }

  /** One optimizer step, every array it makes freed on return. */
  private StepReport step(Engine engine, AdamW optimizer, Ema ema, B batch, long step, double epoch, double lr) {
    try (NDScope scope = new NDScope(); NDManager stepManager = manager.newSubManager()) {
      engine.setRandomSeed((int) Seeds.derive(train.seed(), Seeds.STEP, step));
      StepContext ctx = new StepContext(stepManager, step, train.maxSteps(), epoch,
          new Random(Seeds.derive(train.seed(), Seeds.STEP, step, 1)));
      StepLoss loss;
      try (GradientCollector collector = engine.newGradientCollector()) {
        loss = stepFunction.compute(ctx, batch);
        collector.backward(loss.total());
      }
      double value = loss.total().getFloat();
      Map<String, Double> terms = new LinkedHashMap<>();
      loss.terms().forEach((k, v) -> terms.put(k, (double) v.getFloat()));
      if (!Double.isFinite(value)) {
        throw new IllegalStateException("the loss is " + value + " at step " + step + " " + terms
            + "; training diverged (lower train.lr, or set train.grad_clip)");
      }
      double gradNorm = train.gradClip() > 0
          ? Gradients.clipGlobalNorm(params.values(), train.gradClip())
          : Gradients.globalNorm(params.values());
      if (!Double.isFinite(gradNorm)) {
        throw new IllegalStateException("the gradient norm is " + gradNorm + " at step " + step + " (loss " + value
            + "); training diverged (lower train.lr, or set train.grad_clip)");
      }
      optimizer.step(lr);
      Gradients.zero(params.values());
      ema.update();
      return new StepReport(step, value, terms, lr, gradNorm);
    }
  }

  /** Loads the resumed checkpoint into the weights, optimizer, EMA and data stream; returns its step. */
  private long restore(AdamW optimizer, Ema ema) {
    Path dir = resume.dir();
    Map<String, HostTensor> model = resume.model();
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      HostTensor t = model.get(e.getKey());
      if (t == null) {
        throw new BadInputException("--resume " + dir + ": " + Checkpoint.MODEL + " has no parameter '" + e.getKey()
            + "' (it holds " + model.size() + " tensors; was it written for another model?)");
      }
      Tensors.load(e.getValue().getArray(), t, e.getKey(), dir.resolve(Checkpoint.MODEL));
    }
    ema.load(resume.ema(), dir.resolve(Checkpoint.EMA));
    CheckpointState state = resume.state();
    optimizer.load(resume.optimizer(), state.optimizerStep(), dir.resolve(Checkpoint.OPTIMIZER));
    data.seek(new DataPosition(state.position().epoch(), state.position().index()));
    warnConfigChanges(state.config());
    LOG.info("resumed from {} (step {}, epoch {}, sample {})", dir, resume.step(), state.position().epoch(),
        state.position().index());
    return resume.step();
  }

  private Path writeCheckpoint(AdamW optimizer, Ema ema, long step, Map<String, Object> provenance) {
    long t0 = System.nanoTime();
    Map<String, HostTensor> model = Tensors.toHost(Tensors.arrays(params));
    Map<String, HostTensor> averaged = new LinkedHashMap<>(ema.state());
    Map<String, HostTensor> extra = Tensors.toHost(extraTensors);
    model.putAll(extra);
    averaged.putAll(extra);
    DataPosition pos = data.position();
    CheckpointState state = new CheckpointState(step, new CheckpointState.Position(pos.epoch(), pos.index(), data.epochSize()),
        optimizer.steps(), Map.of(), LrSchedule.of(train).at(step), train.seed(), RNG_SCHEME, ConfigBinder.toTree(config),
        provenance);
    Path dir = CheckpointWriter.write(run, step, new CheckpointWriter.Contents(model, averaged,
        new CheckpointWriter.OptimizerState(optimizer.state(), optimizer.metadata()), Map.of(), state), train.keepLast());
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

  private void logProgress(long step, Window w, Window total, double lr) {
    StringBuilder terms = new StringBuilder();
    w.terms.forEach((k, v) -> terms.append(terms.length() == 0 ? " (" : ", ").append(k).append(' ')
        .append(String.format(Locale.ROOT, "%.4f", v / w.count)));
    if (terms.length() > 0) {
      terms.append(')');
    }
    double secondsPerStep = total.nanos * 1e-9 / total.count;
    long eta = Math.round(secondsPerStep * (train.maxSteps() - step));
    LOG.info(String.format(Locale.ROOT, "step %d/%d | loss %.4f%s | lr %.2e | grad %.3g | %.1f img/s | data wait %.0f%% | ETA %s",
        step, train.maxSteps(), w.meanLoss(), terms, lr, w.gradNorm / w.count,
        w.count * (double) data.batchSize() / (w.nanos * 1e-9), 100.0 * w.dataNanos / w.nanos, duration(eta)));
  }

  private void warnConfigChanges(Map<String, Object> savedTree) {
    if (savedTree == null) {
      return;
    }
    JsonObject saved = new Gson().toJsonTree(savedTree).getAsJsonObject();
    JsonObject now = new Gson().toJsonTree(ConfigBinder.toTree(config)).getAsJsonObject();
    List<String> changed = new ArrayList<>();
    for (String path : ConfigBinder.keyPaths(DecqConfig.class)) {
      Object a = at(saved, path);
      Object b = at(now, path);
      if (!Objects.equals(a, b)) {
        changed.add(path + " " + a + " -> " + b);
      }
    }
    if (!changed.isEmpty()) {
      LOG.warn("resuming with a changed config: {}", String.join("; ", changed));
    }
  }

  private static Object at(JsonObject tree, String path) {
    JsonElement cur = tree;
    for (String part : path.split("\\.")) {
      if (cur == null || !cur.isJsonObject()) {
        return null;
      }
      cur = cur.getAsJsonObject().get(part);
    }
    return cur;
  }

  private static String duration(long seconds) {
    if (seconds >= 3600) {
      return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60);
    }
    return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
  }

  /** Sums over the steps of a logging window. */
  private static final class Window {
    long count;
    long nanos;
    long dataNanos;
    double loss;
    double gradNorm;
    final Map<String, Double> terms = new LinkedHashMap<>();

    void add(StepReport r, long stepNanos, long waitNanos) {
      count++;
      nanos += stepNanos;
      dataNanos += waitNanos;
      loss += r.loss();
      gradNorm += r.gradNorm();
      r.terms().forEach((k, v) -> terms.merge(k, v, Double::sum));
    }

    double meanLoss() {
      return loss / count;
    }

    /** The metrics.jsonl record: step, epoch, loss, each term, lr, grad_norm, images_per_s, data_wait. */
    Map<String, Object> record(long step, double epoch, double lr, int batchSize) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put(Metrics.STEP, step);
      out.put(Metrics.EPOCH, epoch);
      out.put(Metrics.LOSS, meanLoss());
      terms.forEach((k, v) -> out.put(k, v / count));
      out.put(Metrics.LR, lr);
      out.put(Metrics.GRAD_NORM, gradNorm / count);
      out.put(Metrics.IMAGES_PER_S, count * (double) batchSize / (nanos * 1e-9));
      out.put(Metrics.DATA_WAIT, (double) dataNanos / nanos);
      return out;
    }
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
    private final Map<String, NDArray> extraTensors = new LinkedHashMap<>();
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
     * Fixed, non-trained tensors written into model.safetensors and ema.safetensors beside the weights
     * (e.g. latent normalisation statistics), so a checkpoint is self-contained. Not restored on resume.
     */
    public Builder<B> extraTensors(Map<String, NDArray> tensors) {
      this.extraTensors.putAll(tensors);
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
