package io.decq.train.recon;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import io.decq.core.config.DecqConfig;
import io.decq.core.config.LossConfig;
import io.decq.core.encoder.FrozenEncoder;
import io.decq.core.encoder.LatentStats;
import io.decq.core.error.BadInputException;
import io.decq.core.loss.Lpips;
import io.decq.core.nn.NoGrad;
import io.decq.core.rae.DecqAutoencoder;
import io.decq.train.Tensors;
import io.decq.train.data.HostBatch;
import io.decq.train.data.ImageLoader;
import io.decq.train.data.LatentStatistics;
import io.decq.train.loop.StepContext;
import io.decq.train.loop.StepListener;
import io.decq.train.loop.StepLoss;
import io.decq.train.loop.TrainLoop;
import io.decq.train.loop.TrainResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage-1 training (reconstruction): the queries, condensers and ViT decoder of a {@link DecqAutoencoder}
 * learn to reconstruct images from a frozen encoder. One step:
 *
 * <pre>
 *   x     = uint8 batch -> float [0, 1] on the device                            (B, 3, S, S)
 *   x_hat = autoencoder.reconstructTraining(x): frozen encoder (no gradient) -> patch latent and
 *           condenser taps -> queries -> running query statistics -> noise augmentation of the raw
 *           joint latent -> normalise -> decode                                    (B, 3, S, S)
 *   loss  = sum of the weighted terms of {@link ReconLoss} (L1 [+ L2] on [0, 1] pixels [+ LPIPS])
 *           [+ gan_weight * d * L_gan from loss.gan_start_epoch, {@link ReconGan}]
 * </pre>
 *
 * and {@link TrainLoop} does the rest (backward, clipping, AdamW, EMA, logging, previews, checkpoints,
 * exact resume). With {@code loss.gan_weight > 0} the discriminator is the loop's extra optimizer {@code d}
 * (from {@code loss.disc_start_epoch}; its weights, spectral-norm vectors and AdamW state in every
 * checkpoint as {@code d.safetensors} / {@code optimizer-d.safetensors}). LPIPS' VGG trunk and D's DINO
 * backbone are frozen and never in an optimizer.
 *
 * <p>Latent statistics (the patch normalisation): from {@code decoder.latent_stats} when the config
 * names a file (its query statistics too, when it has them); otherwise computed before the first step
 * over every image of {@code data.path} ({@link LatentStatistics}, float64). Query statistics cannot be
 * known before the condensers train: they start at mean 0, var 1 and follow the running estimate the
 * autoencoder keeps (momentum 0.1 per step). The statistics, and every other non-trainable tensor of the
 * autoencoder (the fixed sin-cos positions), are the loop's state tensors: written into each checkpoint's
 * model and EMA files, so {@code model.safetensors} is the autoencoder's whole state dict ({@link
 * io.decq.core.rae.TrainedAutoencoder} loads it), and restored by the loop on resume.
 *
 * <p>Everything that can be wrong with the config or the inputs fails in {@link #prepare}, before any
 * statistics pass or training step.
 */
@SuppressWarnings("try") // NoGrad regions are opened for their effect
public final class ReconTrainer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReconTrainer.class);
  /** Name prefix of the latent statistics in the autoencoder's state dict. */
  static final String LATENT_NORM = "latent_norm.";

  private final DecqConfig config;
  private final FrozenEncoder encoder;
  private final NDManager manager;
  private final DecqAutoencoder model;
  private final ImageLoader loader;
  private final ReconLoss loss;
  private final Lpips lpips;
  private final ReconGan gan;
  private final Parameter lastLayer;
  private TrainLoop<HostBatch> loop;
  private String statistics;

  /** What a run did. */
  public record Result(TrainResult train, String latentStatistics) {}

  private ReconTrainer(DecqConfig config, FrozenEncoder encoder, NDManager manager, DecqAutoencoder model,
      ImageLoader loader, Lpips lpips, ReconGan gan) {
    this.config = config;
    this.encoder = encoder;
    this.manager = manager;
    this.model = model;
    this.loader = loader;
    this.lpips = lpips;
    this.gan = gan;
    ReconLoss terms = ReconLoss.of(config.loss());
    if (lpips != null) {
      terms = terms.with("lpips", config.loss().lpipsWeight(),
          (reconstruction, target, ctx) -> lpips.forward(target.mul(2f).sub(1f), reconstruction.mul(2f).sub(1f)));
    }
    this.loss = terms;
    this.lastLayer = gan == null ? null : lastLayer(model.trainableParameters());
  }

  /** The decoder's last weight (decoder_pred.weight), where the adaptive weight compares the gradients. */
  private static Parameter lastLayer(Map<String, Parameter> params) {
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      if (e.getKey().endsWith("decoder_pred.weight")) {
        return e.getValue();
      }
    }
    throw new IllegalStateException("the autoencoder has no decoder_pred.weight among " + params.keySet());
  }

  /**
   * Builds everything a run needs and checks it: data folders, encoder, autoencoder against the encoder,
   * image sizes, the run directory and {@code --resume}. Then sets the latent statistics (from the file,
   * the checkpoint, or a pass over the training images).
   *
   * @param out the run directory
   * @param resume a run directory or checkpoint to continue (null: start fresh)
   * @param listeners called after every step
   * @throws BadInputException for a bad config or input, before anything is trained
   */
  public static ReconTrainer prepare(DecqConfig config, Path out, Path resume, Device device, StepListener... listeners) {
    ImageLoader loader = ImageLoader.training(config.data(), config.train().batchSize(), config.train().seed());
    FrozenEncoder encoder = null;
    NDManager manager = null;
    Lpips lpips = null;
    ReconGan gan = null;
    try {
      checkLossFiles(config.loss());
      HostBatch preview = config.train().previewEvery() > 0 ? ImageLoader.previewBatch(config.data()) : null;
      encoder = loadEncoder(config, device);
      manager = NDManager.newBaseManager(device);
      checkStatisticsFile(config);
      DecqAutoencoder model = DecqAutoencoder.create(encoder, config, manager, config.train().seed());
      checkSizes(config, encoder, model);
      LossConfig l = config.loss();
      lpips = l.lpipsWeight() > 0 ? Lpips.load(Path.of(l.lpipsTrunk()), Path.of(l.lpipsLin()), device) : null;
      gan = l.ganWeight() > 0 ? ReconGan.create(l, device, config.train().seed()) : null;
      ReconTrainer trainer = new ReconTrainer(config, encoder, manager, model, loader, lpips, gan);
      trainer.loop = trainer.buildLoop(out, resume, preview, listeners);
      trainer.statistics = trainer.initStatistics(resume);
      return trainer;
    } catch (RuntimeException e) {
      if (gan != null) {
        gan.close();
      }
      if (lpips != null) {
        lpips.close();
      }
      if (manager != null) {
        manager.close();
      }
      if (encoder != null) {
        encoder.close();
      }
      loader.close();
      throw e;
    }
  }

  /** Trains to {@code train.max_steps} (call once). */
  public Result train() {
    return new Result(loop.run(), statistics);
  }

  /** {@link #prepare} and {@link #train} in one call, everything closed at the end. */
  public static Result run(DecqConfig config, Path out, Path resume, Device device) {
    try (ReconTrainer trainer = prepare(config, out, resume, device)) {
      return trainer.train();
    }
  }

  /** The frozen encoder (read-only use). */
  public FrozenEncoder encoder() {
    return encoder;
  }

  /** LPIPS (null when loss.lpips_weight is 0). */
  Lpips lpips() {
    return lpips;
  }

  /** The adversarial part (null when loss.gan_weight is 0). */
  ReconGan gan() {
    return gan;
  }

  /** The autoencoder being trained. */
  public DecqAutoencoder model() {
    return model;
  }

  private static FrozenEncoder loadEncoder(DecqConfig config, Device device) {
    String path = config.encoder().path();
    if (path == null) {
      throw new BadInputException("encoder.path: not set; expected a Hugging Face model folder, or a .safetensors file"
          + " with its config.json beside it");
    }
    if (!Files.exists(Path.of(path))) {
      throw new BadInputException("encoder.path " + path + ": not found (expected a Hugging Face model folder, or a"
          + " .safetensors file with its config.json beside it)");
    }
    return FrozenEncoder.load(config.encoder(), device);
  }

  private static void checkSizes(DecqConfig config, FrozenEncoder encoder, DecqAutoencoder model) {
    int side = config.data().imageSize();
    if (side != encoder.imageSize()) {
      throw new BadInputException("data.image_size: " + side + " differs from encoder.image_size " + encoder.imageSize()
          + "; the training crops are the encoder's input");
    }
    if (model.imageSize() != side) {
      throw new BadInputException("decoder.patch_size: " + config.decoder().patchSize() + " pixels per token over the "
          + encoder.patchTokens() + " patch tokens decodes " + model.imageSize() + " px images, but data.image_size is "
          + side);
    }
  }

  private TrainLoop<HostBatch> buildLoop(Path out, Path resume, HostBatch preview, StepListener[] listeners) {
    TrainLoop.Builder<HostBatch> b = TrainLoop.<HostBatch>builder()
        .config(config)
        .runDir(out)
        .parameters(model.trainableParameters())
        .data(loader)
        .step(this::step)
        .manager(manager)
        .resumeFrom(resume)
        .stateTensors(model.fixedTensors());
    if (gan != null) {
      b.extraOptimizer(gan.extraOptimizer(config.train(), loader.epochSize()));
    }
    if (preview != null) {
      b.preview((m, step) -> preview(m, preview), preview.size());
    }
    for (StepListener l : listeners) {
      b.listener(l);
    }
    return b.build();
  }

  /** Sets the latent statistics; returns where they came from (for the log and the result). */
  private String initStatistics(Path resume) {
    Map<String, Parameter> params = model.namedParameters();
    if (resume != null) {
      return "checkpoint " + resume; // the loop restores them with the rest of the model's state
    }
    String file = config.decoder().latentStats();
    if (file != null) {
      LOG.info("latent statistics from {}", file);
      return "file " + file;
    }
    LOG.info("computing the patch latent statistics over data.path (set decoder.latent_stats to a `decq stats` file to"
        + " skip this)");
    LatentStats stats = LatentStatistics.patches(encoder, loader.folder(), config.data(), config.train().batchSize());
    try (NoGrad ng = NoGrad.enter()) {
      Tensors.load(params.get(LATENT_NORM + "patch_mean").getArray(), stats.meanTensor(),
          LATENT_NORM + "patch_mean", Path.of(config.data().path()));
      Tensors.load(params.get(LATENT_NORM + "patch_var").getArray(), stats.varTensor(),
          LATENT_NORM + "patch_var", Path.of(config.data().path()));
    }
    return "computed over " + stats.count() + " images of " + config.data().path();
  }

  /**
   * One training step's forward pass and loss. The frozen encoder runs inside the model's training
   * forward; nothing there asks for a gradient (frozen weights, detached outputs), so autograd records
   * only the queries, condensers and decoder.
   */
  private StepLoss step(StepContext ctx, HostBatch batch) {
    NDArray images = batch.images(ctx.manager()).toType(DataType.FLOAT32, false).div(255f); // (B, 3, S, S)
    NDArray reconstruction = model.reconstructTraining(images); // (B, 3, S, S)
    StepLoss rec = loss.compute(reconstruction, images, ctx);
    if (gan == null) {
      return rec;
    }
    StepLoss out = new StepLoss(rec.total(), rec.terms(),
        Map.of(ReconGan.RECONSTRUCTION, reconstruction, ReconGan.IMAGES, images));
    return gan.generatorActive(ctx)
        ? gan.withGenerator(out, reconstruction, ctx, lastLayer, model.trainableParameters().values())
        : out;
  }

  /** The preview grid: the fixed validation images above their reconstructions (no noise). */
  private NDArray preview(NDManager m, HostBatch batch) {
    NDArray images = batch.images(m).toType(DataType.FLOAT32, false).div(255f); // (N, 3, S, S)
    NDArray reconstruction = model.reconstruct(images).clip(0f, 1f); // (N, 3, S, S)
    return images.concat(reconstruction, 0); // (2N, 3, S, S)
  }

  /** A statistics file the config names must exist (the model loads it when it is built). */
  private static void checkStatisticsFile(DecqConfig config) {
    String file = config.decoder().latentStats();
    if (file != null && !Files.isRegularFile(Path.of(file))) {
      throw new BadInputException("decoder.latent_stats " + file + ": file not found (expected a `decq stats` file)");
    }
  }

  /** The weight files the enabled loss terms need must exist (checked before anything is loaded or trained). */
  static void checkLossFiles(LossConfig loss) {
    if (loss.lpipsWeight() > 0) {
      requireFile("loss.lpips_trunk", loss.lpipsTrunk(), "the VGG16 weights (torchvision vgg16-397923af.pth or"
          + " safetensors with features.* keys), needed because loss.lpips_weight is " + loss.lpipsWeight());
      requireFile("loss.lpips_lin", loss.lpipsLin(), "lpips' weights/v0.1/vgg.pth (or safetensors), needed because"
          + " loss.lpips_weight is " + loss.lpipsWeight());
    }
    if (loss.ganWeight() > 0) {
      requireFile("loss.disc_backbone", loss.discBackbone(), "the discriminator's DINO ViT backbone (.pth or"
          + " safetensors), needed because loss.gan_weight is " + loss.ganWeight());
      if (loss.discHeads() != null) {
        requireFile("loss.disc_heads", loss.discHeads(), "the discriminator heads' weights (heads.* keys)");
      }
    }
  }

  private static void requireFile(String key, String path, String what) {
    if (path == null) {
      throw new BadInputException(key + ": not set; expected " + what);
    }
    if (!Files.isRegularFile(Path.of(path))) {
      throw new BadInputException(key + " " + path + ": file not found; expected " + what);
    }
  }

  @Override
  public void close() {
    if (gan != null) {
      gan.close();
    }
    if (lpips != null) {
      lpips.close();
    }
    loader.close();
    manager.close();
    encoder.close();
  }
}
