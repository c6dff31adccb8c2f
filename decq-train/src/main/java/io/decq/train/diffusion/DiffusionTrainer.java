package io.decq.train.diffusion;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.decq.core.config.DecqConfig;
import io.decq.core.config.DitConfig;
import io.decq.core.dit.DitDH;
import io.decq.core.dit.DitSampler;
import io.decq.core.dit.TrainedDenoiser;
import io.decq.core.encoder.LatentStats;
import io.decq.core.error.BadInputException;
import io.decq.core.flow.FlowLoss;
import io.decq.core.flow.FlowPath;
import io.decq.core.flow.TimeSampler;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import io.decq.core.latent.LatentLayout;
import io.decq.core.rae.DecqAutoencoder;
import io.decq.core.rae.TrainedAutoencoder;
import io.decq.core.run.Checkpoint;
import io.decq.core.run.Metrics;
import io.decq.train.Tensors;
import io.decq.train.data.HostBatch;
import io.decq.train.data.ImageLoader;
import io.decq.train.data.LatentStatistics;
import io.decq.train.loop.StepContext;
import io.decq.train.loop.StepListener;
import io.decq.train.loop.StepLoss;
import io.decq.train.loop.TrainLoop;
import io.decq.train.loop.TrainResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage-2 training (generation): a DiT-DH learns flow matching on the joint latent [queries ; patches] of a
 * trained, frozen stage-1 autoencoder, class-conditionally. One step:
 *
 * <pre>
 *   x   = autoencoder.encode(images): frozen encoder, queries, normalisation (no gradient)  (B, L, C)
 *   t   = shift(logit-normal or uniform draw)                                              (B)
 *   eps ~ N(0, 1);  x_t = (1 - t) x + t eps;  target = eps - x                             (B, L, C)
 *   y   = class labels, each replaced by the null class with probability dit.class_dropout  (B)
 *   loss = mean_b [ MSE(v(x_t, t, y) - target | patches) + lambda_q MSE(... | queries) ]
 * </pre>
 *
 * and {@link TrainLoop} does the rest (backward, clipping, AdamW, EMA, logging, previews, checkpoints,
 * exact resume). Metrics: {@code loss} and its two terms {@value Metrics#FLOW_PATCHES} and {@value
 * Metrics#FLOW_QUERIES}.
 *
 * <p>Latent statistics: the patches keep the stage-1 checkpoint's exact statistics. Query statistics from
 * stage 1 are a running estimate unless its {@code decoder.latent_stats} file held exact ones; then they are
 * used as they are, otherwise one pass over {@code data.path} (float64) computes exact ones before the first
 * step. Either way they are written to {@code RUN/}{@value TrainedDenoiser#LATENT_STATS} (samplers decode with
 * them) and a resumed run reads them back from there.
 *
 * <p>Previews: a class-conditional grid drawn with the EMA weights (when train.preview_ema) from the same
 * per-sample noise every time, so successive previews are comparable.
 *
 * <p>Everything that can be wrong with the config or the inputs fails in {@link #prepare}, before any
 * statistics pass or training step.
 *
 * <p>Dimensions: B batch, L = Q + T joint tokens, C latent channels.
 */
public final class DiffusionTrainer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DiffusionTrainer.class);
  /** Preview samples per class column and classes shown. */
  static final int PREVIEW_ROWS = 2;
  static final int PREVIEW_CLASSES = 8;

  private final DecqConfig config;
  private final TrainedAutoencoder ae;
  private final NDManager manager;
  private final DitDH model;
  private final ImageLoader loader;
  private final TimeSampler times;
  private TrainLoop<HostBatch> loop;
  private String statistics;

  /** What a run did. */
  public record Result(TrainResult train, String latentStatistics, LatentLayout layout, double shift) {}

  private DiffusionTrainer(DecqConfig config, TrainedAutoencoder ae, NDManager manager, DitDH model, ImageLoader loader) {
    this.config = config;
    this.ae = ae;
    this.manager = manager;
    this.model = model;
    this.loader = loader;
    this.times = TimeSampler.of(config.flow(), model.layout().values());
  }

  /**
   * Builds everything a run needs and checks it: the stage-1 run, the data (image size, labels), the
   * denoiser, the run directory and {@code --resume}; then sets the latent statistics.
   *
   * @param out the run directory
   * @param resume a run directory or checkpoint to continue (null: start fresh)
   * @param listeners called after every step
   * @throws BadInputException for a bad config or input, before anything is trained
   */
  public static DiffusionTrainer prepare(DecqConfig config, Path out, Path resume, Device device,
      StepListener... listeners) {
    if (config.ae().latents() != null) {
      throw new BadInputException("ae.latents: latent caches are not supported yet; remove the key to encode each batch"
          + " on the fly");
    }
    TrainedAutoencoder ae = loadAutoencoder(config, device);
    ImageLoader loader = null;
    NDManager manager = null;
    try {
      loader = ImageLoader.training(config.data(), config.train().batchSize(), config.train().seed());
      checkData(config, ae, loader);
      manager = NDManager.newBaseManager(device);
      DecqAutoencoder a = ae.autoencoder();
      int grid = (int) Math.round(Math.sqrt(a.patchTokens()));
      LatentLayout layout = new LatentLayout(a.queryCount(), grid, a.width());
      DitDH model = DitDH.of(config.dit().preset(), layout, config.dit().numClasses());
      if (resume != null) {
        checkResume(config, resume, layout);
      }
      model.materialize(manager, config.train().seed());
      DiffusionTrainer trainer = new DiffusionTrainer(config, ae, manager, model, loader);
      trainer.loop = trainer.buildLoop(out, resume, listeners);
      trainer.statistics = trainer.initStatistics(out, resume);
      return trainer;
    } catch (RuntimeException e) {
      if (manager != null) {
        manager.close();
      }
      if (loader != null) {
        loader.close();
      }
      ae.close();
      throw e;
    }
  }

  /** Trains to {@code train.max_steps} (call once). */
  public Result train() {
    return new Result(loop.run(), statistics, model.layout(), times.shift());
  }

  /** {@link #prepare} and {@link #train} in one call, everything closed at the end. */
  public static Result run(DecqConfig config, Path out, Path resume, Device device) {
    try (DiffusionTrainer trainer = prepare(config, out, resume, device)) {
      return trainer.train();
    }
  }

  /** The denoiser being trained. */
  public DitDH model() {
    return model;
  }

  private static TrainedAutoencoder loadAutoencoder(DecqConfig config, Device device) {
    String path = config.ae().checkpoint();
    if (path == null) {
      throw new BadInputException("ae.checkpoint: not set; expected a `decq train recon` run directory or one of its"
          + " checkpoints/step-NNNNNNN folders");
    }
    Checkpoint c = Checkpoint.resolve(Path.of(path), "ae.checkpoint");
    return TrainedAutoencoder.load(c, TrainedAutoencoder.Weights.valueOf(config.ae().weights().name()),
        config.ae().encoder(), device);
  }

  private static void checkData(DecqConfig config, TrainedAutoencoder ae, ImageLoader loader) {
    int side = config.data().imageSize();
    if (side != ae.imageSize()) {
      throw new BadInputException("data.image_size: " + side + " differs from the stage-1 autoencoder's image size "
          + ae.imageSize() + " (ae.checkpoint " + config.ae().checkpoint() + ")");
    }
    int classes = loader.folder().classes().size();
    if (classes > config.dit().numClasses()) {
      throw new BadInputException("dit.num_classes: " + config.dit().numClasses() + ", but data.path " + config.data().path()
          + " has " + classes + " class folders (labels 0.." + (classes - 1) + " must lie in [0, num_classes))");
    }
  }

  /**
   * A resumed checkpoint must hold a denoiser of this config's size, for this many classes, on the latent of the
   * stage-1 run named by ae.checkpoint.
   */
  private static void checkResume(DecqConfig config, Path resume, LatentLayout layout) {
    Checkpoint c = Checkpoint.resolve(resume, "--resume");
    String source = "--resume " + resume;
    LatentLayout saved = TrainedDenoiser.layoutOf(c.model(), source + ": " + c.dir().resolve(Checkpoint.MODEL));
    DitConfig before = c.config().dit();
    if (!saved.equals(layout)) {
      throw new BadInputException(source + ": its DiT was trained on a latent of " + describe(saved) + ", but ae.checkpoint "
          + config.ae().checkpoint() + " gives " + describe(layout) + "; resume with the stage-1 run it was trained on"
          + " (ae.checkpoint " + c.config().ae().checkpoint() + ")");
    }
    DitConfig now = config.dit();
    if (before.preset() != now.preset() || before.numClasses() != now.numClasses()) {
      throw new BadInputException(source + ": its DiT is dit.preset " + presetName(before) + " with dit.num_classes "
          + before.numClasses() + ", but the config asks for dit.preset " + presetName(now) + " with dit.num_classes "
          + now.numClasses() + "; a checkpoint resumes only into a DiT of its own size");
    }
  }

  private static String describe(LatentLayout l) {
    return l.queries() + " queries + " + l.grid() + "x" + l.grid() + " patches x " + l.channels() + " channels";
  }

  private static String presetName(DitConfig dit) {
    return dit.preset().name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private TrainLoop<HostBatch> buildLoop(Path out, Path resume, StepListener[] listeners) {
    TrainLoop.Builder<HostBatch> b = TrainLoop.<HostBatch>builder()
        .config(config)
        .runDir(out)
        .parameters(model.trainableParameters())
        .data(loader)
        .step(this::step)
        .manager(manager)
        .resumeFrom(resume)
        .stateTensors(model.fixedTensors());
    if (config.train().previewEvery() > 0) {
      int classes = Math.min(PREVIEW_CLASSES, loader.folder().classes().size());
      DitSampler sampler = new DitSampler(model, config.flow(), DitSampler.Guide.of(config.flow()));
      b.preview((m, step) -> preview(m, sampler, classes), classes);
    }
    for (StepListener l : listeners) {
      b.listener(l);
    }
    return b.build();
  }

  /** One step's forward pass and loss (see the class comment). */
  private StepLoss step(StepContext ctx, HostBatch batch) {
    NDManager m = ctx.manager();
    NDArray images = batch.images(m).toType(DataType.FLOAT32, false).div(255f); // (B, 3, S, S)
    NDArray x = ae.encode(images); // (B, L, C), no gradient
    NDArray t = times.sample(m, batch.size()); // (B)
    NDArray eps = m.randomNormal(x.getShape()); // (B, L, C)
    NDArray xt = FlowPath.xt(x, eps, t); // (B, L, C)
    NDArray target = FlowPath.target(x, eps); // (B, L, C)
    NDArray y = m.create(droppedLabels(batch.labels(), ctx)); // (B)
    NDArray v = model.forward(null, xt, t, y, true); // (B, L, C)
    FlowLoss.Terms terms = FlowLoss.perSample(v, target, model.layout().queries(), config.flow().lambdaQ());
    Map<String, NDArray> parts = new LinkedHashMap<>();
    parts.put(Metrics.FLOW_PATCHES, terms.patches().mean());
    if (model.layout().queries() > 0) {
      parts.put(Metrics.FLOW_QUERIES, terms.queries().mean());
    }
    return new StepLoss(terms.total().mean(), parts);
  }

  /** The labels, each replaced by the null class with probability dit.class_dropout (for classifier-free guidance). */
  private long[] droppedLabels(int[] labels, StepContext ctx) {
    long[] y = new long[labels.length];
    for (int i = 0; i < y.length; i++) {
      y[i] = ctx.random().nextDouble() < config.dit().classDropout() ? model.nullClass() : labels[i];
    }
    return y;
  }

  /** The preview: {@value #PREVIEW_ROWS} rows of one sample per class, the same noise every time. */
  private NDArray preview(NDManager m, DitSampler sampler, int classes) {
    int n = PREVIEW_ROWS * classes;
    long[] indices = new long[n];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      indices[i] = i;
      labels[i] = i % classes;
    }
    NDArray latents = sampler.sample(m, config.train().seed(), indices, labels); // (N, L, C)
    return ae.decode(latents).clip(0f, 1f); // (N, 3, S, S)
  }

  /** Sets the latent statistics the joint latent is normalised with; returns where they came from. */
  private String initStatistics(Path out, Path resume) {
    Path file = out.resolve(TrainedDenoiser.LATENT_STATS);
    DecqAutoencoder a = ae.autoencoder();
    if (resume != null) {
      Path saved = Checkpoint.resolve(resume, "--resume").runDir().resolve(TrainedDenoiser.LATENT_STATS);
      if (!Files.isRegularFile(saved)) {
        throw new BadInputException("--resume " + resume + ": " + saved + " is missing (not a decq train diffusion run?)");
      }
      a.latentNorm().load(saved);
      copy(saved, file);
      return "resumed run " + saved;
    }
    String source;
    String stage1File = ae.config().decoder().latentStats();
    boolean exactQueries = a.queryCount() == 0 || (stage1File != null
        && SafeTensors.read(Path.of(stage1File)).containsKey("query.mean"));
    if (exactQueries) {
      source = a.queryCount() == 0 ? "stage-1 checkpoint (no queries)" : "stage-1 statistics file " + stage1File;
    } else {
      LOG.info("the stage-1 query statistics are a running estimate: computing exact ones over data.path before the"
          + " first step (one encoder pass, float64)");
      LatentStats q = LatentStatistics.compute(images -> a.queriesOf(a.rawLatent(images)), a.queryCount(), a.width(),
          manager.getDevice(), loader.folder(), config.data(), config.train().batchSize(), "query latent");
      Map<String, NDArray> params = tensors(a);
      Path data = Path.of(config.data().path());
      Tensors.load(params.get("latent_norm.query_mean"), q.meanTensor(), "latent_norm.query_mean", data);
      Tensors.load(params.get("latent_norm.query_var"), q.varTensor(), "latent_norm.query_var", data);
      source = "patches from the stage-1 checkpoint, queries computed over " + q.count() + " images of "
          + config.data().path();
    }
    writeStatistics(a, file);
    LOG.info("latent statistics: {} -> {}", source, file);
    return source;
  }

  private static Map<String, NDArray> tensors(DecqAutoencoder a) {
    Map<String, NDArray> out = new LinkedHashMap<>();
    a.namedParameters().forEach((k, p) -> out.put(k, p.getArray()));
    return out;
  }

  /** Writes the autoencoder's current statistics in the {@code decq stats} layout. */
  private static void writeStatistics(DecqAutoencoder a, Path file) {
    Map<String, NDArray> p = tensors(a);
    Map<String, HostTensor> stats = new LinkedHashMap<>();
    stats.put("patch.mean", HostTensor.of(p.get("latent_norm.patch_mean")));
    stats.put("patch.var", HostTensor.of(p.get("latent_norm.patch_var")));
    if (a.queryCount() > 0) {
      stats.put("query.mean", HostTensor.of(p.get("latent_norm.query_mean")));
      stats.put("query.var", HostTensor.of(p.get("latent_norm.query_var")));
    }
    try {
      Files.createDirectories(file.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    SafeTensors.write(file, stats, Map.of("source", "decq train diffusion"));
  }

  private static void copy(Path from, Path to) {
    try {
      if (!Files.exists(to) || !Files.isSameFile(from, to)) {
        Files.createDirectories(to.getParent());
        Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    loader.close();
    manager.close();
    ae.close();
  }
}
