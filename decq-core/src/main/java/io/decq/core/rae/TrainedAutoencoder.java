package io.decq.core.rae;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import io.decq.core.config.CheckpointWeights;
import io.decq.core.config.DecqConfig;
import io.decq.core.config.EncoderConfig;
import io.decq.core.encoder.FrozenEncoder;
import io.decq.core.error.BadInputException;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import io.decq.core.io.HostTensor;
import io.decq.core.nn.NoGrad;
import io.decq.core.run.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A trained stage-1 autoencoder restored from a checkpoint of {@code decq train recon}, with its frozen
 * encoder: what reconstruction, rFID and stage 2 start from.
 *
 * <p>The checkpoint's state.json holds the resolved config the run trained with; the frozen encoder is
 * loaded again from its {@code encoder.path} (encoder weights are not copied into checkpoints; the path
 * may be overridden when the run moved), the autoencoder is rebuilt from {@code queries} and {@code
 * decoder}, and its whole state dict (trainable weights, latent statistics, fixed positions) is read from
 * {@code ema.safetensors} or {@code model.safetensors}. Nothing is trained: every call runs without
 * gradients, and each returns arrays owned by the manager of its input, freeing every temporary.
 *
 * <p>Dimensions: B batch, S image side, Q queries, T patch tokens, C latent width.
 */
@SuppressWarnings("try") // NoGrad and NDScope regions are opened for their effect
public final class TrainedAutoencoder implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TrainedAutoencoder.class);


  private final Checkpoint checkpoint;
  private final DecqConfig config;
  private final CheckpointWeights weights;
  private final FrozenEncoder encoder;
  private final NDManager manager;
  private final DecqAutoencoder model;

  private TrainedAutoencoder(Checkpoint checkpoint, DecqConfig config, CheckpointWeights weights, FrozenEncoder encoder,
      NDManager manager, DecqAutoencoder model) {
    this.checkpoint = checkpoint;
    this.config = config;
    this.weights = weights;
    this.encoder = encoder;
    this.manager = manager;
    this.model = model;
  }

  /**
   * Loads the checkpoint {@code path} names (a run directory: its latest checkpoint; or one {@code
   * checkpoints/step-NNNNNNN} folder).
   */
  public static TrainedAutoencoder load(Path path, CheckpointWeights weights, Device device) {
    return load(Checkpoint.resolve(path), weights, null, device);
  }

  /**
   * Loads {@code checkpoint} (resolve it with {@link Checkpoint#resolve(Path, String)} to name your
   * option in messages).
   *
   * @param encoderPath the frozen encoder's folder or weights file when it is no longer where the run
   *     config says (null: the config's {@code encoder.path})
   * @throws BadInputException when the encoder cannot be found or the weights do not fit the model
   */
  public static TrainedAutoencoder load(Checkpoint checkpoint, CheckpointWeights weights, String encoderPath, Device device) {
    DecqConfig config = checkpoint.config();
    EncoderConfig encoderConfig = config.encoder().with(encoderPath, null);
    String path = encoderConfig.path();
    if (path == null || !Files.exists(Path.of(path))) {
      throw new BadInputException((encoderPath != null ? "encoder " + path : "encoder.path " + path + " (from "
          + checkpoint.dir().resolve(Checkpoint.STATE) + ")") + ": not found; give the path of the encoder the run trained"
          + " with");
    }
    FrozenEncoder encoder = FrozenEncoder.load(encoderConfig, device);
    NDManager manager = NDManager.newBaseManager(device);
    try {
      DecqAutoencoder model = new DecqAutoencoder(encoder, config.queries(), config.decoder());
      model.materialize(manager, 0);
      Path file = checkpoint.dir().resolve(weights == CheckpointWeights.EMA ? Checkpoint.EMA : Checkpoint.MODEL);
      Map<String, HostTensor> state = weights == CheckpointWeights.EMA ? checkpoint.ema() : checkpoint.model();
      model.loadStateDict(state, file.toString(), null);
      LOG.info(String.format(Locale.ROOT, "autoencoder from %s (step %d, %s weights): %d queries, decoder %s, %d parameters",
          checkpoint.dir(), checkpoint.step(), weights.name().toLowerCase(Locale.ROOT), model.queryCount(),
          config.decoder().preset().name().toLowerCase(Locale.ROOT).replace('_', '-'), model.parameterCount()));
      return new TrainedAutoencoder(checkpoint, config, weights, encoder, manager, model);
    } catch (RuntimeException e) {
      manager.close();
      encoder.close();
      throw e;
    }
  }

  /** The resolved config the run trained with (its encoder path as loaded). */
  public DecqConfig config() {
    return config;
  }

  /** The checkpoint the weights came from. */
  public Checkpoint checkpoint() {
    return checkpoint;
  }

  /** Which of its weights are loaded. */
  public CheckpointWeights weights() {
    return weights;
  }

  /** The frozen encoder. */
  public FrozenEncoder encoder() {
    return encoder;
  }

  /** The autoencoder (queries, condensers, latent statistics, decoder). */
  public DecqAutoencoder autoencoder() {
    return model;
  }

  /** S, the side of the square images it takes and produces. */
  public int imageSize() {
    return encoder.imageSize();
  }

  /**
   * The normalised joint latent of a batch.
   *
   * @param images (B, 3, S, S) uint8, or float32 in [0, 1], on the encoder's device
   * @return (B, Q + T, C), owned by {@code images}' manager
   */
  public NDArray encode(NDArray images) {
    return scoped(images, model::encode);
  }

  /**
   * The normalised form of a raw joint latent (e.g. one read from a latent cache).
   *
   * @param raw (B, Q + T, C)
   * @return (B, Q + T, C), owned by {@code raw}'s manager
   */
  public NDArray normalize(NDArray raw) {
    return scoped(raw, model::normalize);
  }

  /**
   * Pixels of a normalised joint latent.
   *
   * @param latent (B, Q + T, C)
   * @return (B, 3, S, S) float32, pixel space, not clamped; owned by {@code latent}'s manager
   */
  public NDArray decode(NDArray latent) {
    return scoped(latent, model::decode);
  }

  /**
   * Pixels of a normalised joint latent, optionally from its patch tokens alone.
   *
   * @param latent (B, Q + T, C)
   * @param dropQueries decode without the query tokens (the ablation; meaningful only for a decoder trained
   *     with query dropout)
   * @return (B, 3, S, S) float32, pixel space, not clamped; owned by {@code latent}'s manager
   */
  public NDArray decode(NDArray latent, boolean dropQueries) {
    return scoped(latent, z -> model.decode(z, dropQueries));
  }

  /**
   * Reconstructions of a batch: decode(encode(images)), clamped to [0, 1].
   *
   * @param images (B, 3, S, S) uint8, or float32 in [0, 1]
   * @return (B, 3, S, S) float32 in [0, 1], owned by {@code images}' manager
   */
  public NDArray reconstruct(NDArray images) {
    return scoped(images, x -> model.reconstruct(x).clip(0f, 1f));
  }

  /** Reconstructions of S x S images, rounded to 8 bits. */
  public List<RgbImage> reconstruct(List<RgbImage> images) {
    for (RgbImage im : images) {
      if (im.height() != imageSize() || im.width() != imageSize()) {
        throw new BadInputException("image is " + im.width() + "x" + im.height() + " but the autoencoder takes "
            + imageSize() + "x" + imageSize() + " (encoder.image_size)");
      }
    }
    try (NDManager m = manager.newSubManager()) {
      return Images.fromNCHW(reconstruct(Images.toNCHW(m, images)));
    }
  }

  /**
   * Applies {@code body} without gradients to a view of {@code input} owned by a temporary manager, and
   * hands only the result to {@code input}'s manager: the encoder attaches its outputs to its input's
   * manager, and the scope catches what lands in the model's, so every temporary is freed here.
   */
  private static NDArray scoped(NDArray input, Function<NDArray, NDArray> body) {
    NDManager owner = input.getManager();
    try (NoGrad ng = NoGrad.enter(); NDManager tmp = owner.newSubManager(); NDScope scope = new NDScope()) {
      NDArray view = input.stopGradient(); // shares input's storage
      NDScope.unregister(view);
      view.attach(tmp);
      NDArray out = body.apply(view);
      NDScope.unregister(out);
      out.attach(owner);
      return out;
    }
  }

  @Override
  public void close() {
    manager.close();
    encoder.close();
  }
}
