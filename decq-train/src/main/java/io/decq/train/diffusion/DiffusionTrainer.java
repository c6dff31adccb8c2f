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
import io.decq.train.data.BatchSource;
import io.decq.train.data.HostBatch;
import io.decq.train.data.ImageLoader;
import io.decq.train.data.LatentBatch;
import io.decq.train.data.LatentCache;
import io.decq.train.data.LatentLoader;
import io.decq.train.data.LatentStatistics;
import io.decq.train.loop.StepContext;
import io.decq.train.loop.StepFunction;
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
 *         or, with ae.latents, the normalised raw latent read from a decq cache-latents cache
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
 * <p>Data: images from data.path encoded on the fly by the frozen stage-1 model (RAE's default), or a latent
 * cache ({@code ae.latents}, {@link LatentCache}) made with this very autoencoder (refused otherwise, by its
 * recorded identity), read on a worker thread ({@link LatentLoader}); data.hflip then picks the cached flipped
 * copies.
 *
 * <p>Latent statistics: the patches keep the stage-1 checkpoint's exact statistics. Query statistics from
 * stage 1 are a running estimate unless its {@code decoder.latent_stats} file held exact ones; then they are
 * used as they are, otherwise one pass over {@code data.path} (or over the cache's latents, without their
 * flipped copies) computes exact ones in float64 before the first step. Either way they are written to {@code RUN/}{@value TrainedDenoiser#LATENT_STATS} (samplers decode with
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
  /** The training images (null when training from a latent cache). */
  private final ImageLoader images;
  /** The latent cache reader (null when encoding on the fly). */
  private final LatentLoader cached;
  private final int classes;
  private final TimeSampler times;
  private TrainLoop<?> loop;
  private String statistics;

  /** What a run did. */
  public record Result(TrainResult train, String latentStatistics, LatentLayout layout, double shift) {}

  private DiffusionTrainer(DecqConfig config, TrainedAutoencoder ae, NDManager manager, DitDH model, ImageLoader images,
      LatentLoader cached) {
    this.config = config;
    this.ae = ae;
    this.manager = manager;
    this.model = model;
    this.images = images;
    this.cached = cached;
    this.classes = images != null ? images.folder().classes().size() : cached.cache().classes().size();
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
    TrainedAutoencoder ae = loadAutoencoder(config, device);
    ImageLoader images = null;
    LatentLoader cached = null;
    NDManager manager = null;
    try {
      DecqAutoencoder a = ae.autoencoder();
      int grid = (int) Math.round(Math.sqrt(a.patchTokens()));
      LatentLayout layout = new LatentLayout(a.queryCount(), grid, a.width());
      if (config.ae().latents() != null) {
        cached = openCache(config, ae, layout);
        checkClasses(config, cached.cache().classes().size(), "ae.latents " + config.ae().latents() + " holds latents of");
      } else {
        images = ImageLoader.training(config.data(), config.train().batchSize(), config.train().seed());
        checkImageSize(config, ae);
        checkClasses(config, images.folder().classes().size(), "data.path " + config.data().path() + " has");
      }
      manager = NDManager.newBaseManager(device);
      DitDH model = DitDH.of(config.dit().preset(), layout, config.dit().numClasses());
      if (resume != null) {
        checkResume(config, resume, layout);
      }
      model.materialize(manager, config.train().seed());
      DiffusionTrainer trainer = new DiffusionTrainer(config, ae, manager, model, images, cached);
      trainer.loop = images != null
          ? trainer.buildLoop(images, trainer::imageStep, out, resume, listeners)
          : trainer.buildLoop(cached, trainer::cachedStep, out, resume, listeners);
      trainer.statistics = trainer.initStatistics(out, resume);
      return trainer;
    } catch (RuntimeException e) {
      if (manager != null) {
        manager.close();
      }
      if (images != null) {
        images.close();
      }
      if (cached != null) {
        cached.close();
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
    return TrainedAutoencoder.load(c, config.ae().weights(),
        config.ae().encoder(), device);
  }

  private static void checkImageSize(DecqConfig config, TrainedAutoencoder ae) {
    int side = config.data().imageSize();
    if (side != ae.imageSize()) {
      throw new BadInputException("data.image_size: " + side + " differs from the stage-1 autoencoder's image size "
          + ae.imageSize() + " (ae.checkpoint " + config.ae().checkpoint() + ")");
    }
  }

  /** Labels 0..found-1 must be valid classes of the DiT; {@code source} says where they come from. */
  private static void checkClasses(DecqConfig config, int found, String source) {
    if (found > config.dit().numClasses()) {
      throw new BadInputException("dit.num_classes: " + config.dit().numClasses() + ", but " + source + " " + found
          + " class folders (labels 0.." + (found - 1) + " must lie in [0, num_classes))");
    }
  }

  /** The latent cache of ae.latents, if it was made with this autoencoder and fits the data settings. */
  private static LatentLoader openCache(DecqConfig config, TrainedAutoencoder ae, LatentLayout layout) {
    String path = config.ae().latents();
    LatentCache cache = LatentCache.open(Path.of(path), "ae.latents");
    cache.checkMadeWith(ae, "ae.checkpoint", "ae.latents");
    if (!cache.layout().equals(layout)) {
      throw new BadInputException("ae.latents " + path + ": holds latents of " + describe(cache.layout()) + ", but ae.checkpoint "
          + config.ae().checkpoint() + " gives " + describe(layout));
    }
    if (config.data().hflip() && !cache.hasFlips()) {
      throw new BadInputException("data.hflip: true, but the latent cache ae.latents " + path + " holds no flipped copies;"
          + " make it with decq cache-latents --flip, or set data.hflip=false");
    }
    return new LatentLoader(cache, config.train().batchSize(), config.train().seed(), config.data().hflip(),
        config.data().prefetch());
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

  private <B> TrainLoop<B> buildLoop(BatchSource<B> data, StepFunction<B> step, Path out, Path resume,
      StepListener[] listeners) {
    TrainLoop.Builder<B> b = TrainLoop.<B>builder()
        .config(config)
        .runDir(out)
        .parameters(model.trainableParameters())
        .data(data)
        .step(step)
        .manager(manager)
        .resumeFrom(resume)
        .stateTensors(model.fixedTensors());
    if (config.train().previewEvery() > 0) {
      int shown = Math.min(PREVIEW_CLASSES, classes);
      DitSampler sampler = new DitSampler(model, config.flow(), DitSampler.Guide.of(config.flow()));
      b.preview((m, at) -> preview(m, sampler, shown), shown);
    }
    for (StepListener l : listeners) {
      b.listener(l);
    }
    return b.build();
  }

  /** One step on images, encoded on the fly. */
  private StepLoss imageStep(StepContext ctx, HostBatch batch) {
    NDArray pixels = batch.images(ctx.manager()).toType(DataType.FLOAT32, false).div(255f); // (B, 3, S, S)
    return flowStep(ctx, ae.encode(pixels), batch.labels()); // (B, L, C), no gradient
  }

  /** One step on cached raw latents. */
  private StepLoss cachedStep(StepContext ctx, LatentBatch batch) {
    return flowStep(ctx, ae.normalize(batch.latents(ctx.manager())), batch.labels()); // (B, L, C), no gradient
  }

  /** One step's forward pass and loss on the normalised latents {@code x} (B, L, C) (see the class comment). */
  private StepLoss flowStep(StepContext ctx, NDArray x, int[] labels) {
    NDManager m = ctx.manager();
    NDArray t = times.sample(m, labels.length); // (B)
    NDArray eps = m.randomNormal(x.getShape()); // (B, L, C)
    NDArray xt = FlowPath.xt(x, eps, t); // (B, L, C)
    NDArray target = FlowPath.target(x, eps); // (B, L, C)
    NDArray y = m.create(droppedLabels(labels, ctx)); // (B)
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
      LatentStats q;
      Path data;
      if (images != null) {
        LOG.info("the stage-1 query statistics are a running estimate: computing exact ones over data.path before the"
            + " first step (one encoder pass, float64)");
        q = LatentStatistics.compute(x -> a.queriesOf(a.rawLatent(x)), a.queryCount(), a.width(), manager.getDevice(),
            images.folder(), config.data(), config.train().batchSize(), "query latent");
        data = Path.of(config.data().path());
        source = "patches from the stage-1 checkpoint, queries computed over " + q.count() + " images of " + data;
      } else {
        q = LatentStatistics.cachedQueries(cached.cache(), manager.getDevice(), config.train().batchSize());
        data = cached.cache().dir();
        source = "patches from the stage-1 checkpoint, queries computed over the " + q.count() + " cached latents of "
            + data;
      }
      Map<String, NDArray> params = tensors(a);
      Tensors.load(params.get("latent_norm.query_mean"), q.meanTensor(), "latent_norm.query_mean", data);
      Tensors.load(params.get("latent_norm.query_var"), q.varTensor(), "latent_norm.query_var", data);
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
    if (images != null) {
      images.close();
    }
    if (cached != null) {
      cached.close();
    }
    manager.close();
    ae.close();
  }
}
