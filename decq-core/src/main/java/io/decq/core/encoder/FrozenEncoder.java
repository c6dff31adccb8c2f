package io.decq.core.encoder;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.decq.core.config.EncoderConfig;
import io.decq.core.config.EncoderConfig.Family;
import io.decq.core.error.BadInputException;
import io.decq.core.io.HostTensor;
import io.decq.core.nn.LayerNorm;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The frozen vision encoder of the RAE latent: a DINOv2-with-registers or SigLIP2 vision tower loaded
 * from Hugging Face weights, plus RAE's preprocessing and its latent (patch tokens after the final
 * LayerNorm without affine).
 *
 * <p>Frozen: every parameter is frozen ({@code freezeAll}), none is exposed for an optimizer, inputs are
 * detached, so no gradient reaches or leaves the encoder. Memory: the weights live in the encoder's own
 * manager (released by {@link #close}); each {@link #encode} runs in an {@link NDScope}, closes every
 * temporary and hands its outputs to the manager of the input images, so nothing accumulates across
 * calls.
 *
 * <p>Dimensions: B batch, S image side ({@code encoder.image_size}, 256), N patch tokens (256), P prefix
 * tokens, T = P + N, C width.
 */
public final class FrozenEncoder implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FrozenEncoder.class);

  private final NDManager manager;
  private final VisionTower tower;
  private final Preprocessor preprocessor;
  private final String source;

  private FrozenEncoder(NDManager manager, VisionTower tower, Preprocessor preprocessor, String source) {
    this.manager = manager;
    this.tower = tower;
    this.preprocessor = preprocessor;
    this.source = source;
  }

  /** Loads the encoder {@code config.path()} names (folder, weights file or sharded index) onto {@code device}. */
  public static FrozenEncoder load(EncoderConfig config, Device device) {
    if (config.path() == null || config.path().isBlank()) {
      throw new BadInputException("encoder.path: no encoder given (expected a Hugging Face model folder"
          + " or a .safetensors file next to its config.json)");
    }
    Path path = Path.of(config.path());
    EncoderCheckpoint.Location where = EncoderCheckpoint.locate(path);
    HfVisionConfig model = HfVisionConfig.read(where.config());
    if (config.family() != Family.AUTO && config.family() != model.family()) {
      throw new BadInputException(where.config() + ": describes a " + model.family().key() + " encoder, but family "
          + config.family().key() + " was asked for; use --family " + model.family().key() + " (or auto)");
    }
    Map<String, HostTensor> weights = EncoderCheckpoint.readVisionWeights(where.weights());
    return fromWeights(model, weights, path.toString(), config, device);
  }

  /** {@link #load(EncoderConfig, Device)} with the other settings at their defaults. */
  public static FrozenEncoder load(Path path, Family family, Device device) {
    return load(EncoderConfig.defaults().with(path.toString(), family), device);
  }

  /**
   * Builds the encoder of {@code model} from a state dict with the vision model's keys ({@code source}
   * names it in messages). Weights of the wrong family, missing or unexpected keys and shape mismatches
   * fail with one {@link BadInputException}.
   */
  public static FrozenEncoder fromWeights(
      HfVisionConfig model, Map<String, HostTensor> weights, String source, EncoderConfig config, Device device) {
    EncoderCheckpoint.checkFamily(weights, model.family(), source);
    Preprocessor pre = preprocessor(model, config);
    VisionTower tower = VisionTower.of(model);
    NDManager manager = NDManager.newBaseManager(device);
    try {
      tower.materialize(manager, 0);
      tower.loadStateDict(weights, source, tower.ignoredKeys());
      tower.freezeAll();
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
    LOG.info("encoder {}: {} width {} depth {} ({} parameters), input {} -> {} px",
        source, model.family().key(), model.hiddenSize(), model.layers(), tower.parameterCount(),
        pre.imageSize(), pre.inputSize());
    return new FrozenEncoder(manager, tower, pre, source);
  }

  /** An encoder with random weights drawn from {@code seed} (tests and benchmarks). */
  public static FrozenEncoder random(HfVisionConfig model, long seed, EncoderConfig config, Device device) {
    Preprocessor pre = preprocessor(model, config);
    VisionTower tower = VisionTower.of(model);
    NDManager manager = NDManager.newBaseManager(device);
    tower.materialize(manager, seed);
    tower.freezeAll();
    return new FrozenEncoder(manager, tower, pre, "random(seed " + seed + ")");
  }

  private static Preprocessor preprocessor(HfVisionConfig model, EncoderConfig config) {
    int patch = model.patchSize();
    int input = config.inputSize() == 0 ? 16 * patch : config.inputSize();
    if (input % patch != 0) {
      throw new BadInputException("encoder.input_size: " + input + " is not a multiple of the patch size " + patch);
    }
    return new Preprocessor(model.family(), config.imageSize(), input);
  }

  /**
   * Encodes a batch. {@code images} (B, 3, S, S) uint8, or float32 in [0, 1], on {@link #device()};
   * {@code taps} the hidden-state indices to return (0..depth). The outputs belong to {@code images}'
   * manager; no other native memory outlives the call.
   */
  public EncoderOutput encode(NDArray images, Set<Integer> taps) {
    checkImages(images);
    Set<Integer> wanted = new TreeSet<>(taps);
    for (int t : wanted) {
      if (t < 0 || t > depth()) {
        throw new BadInputException("hidden-state index " + t + " is out of range 0.." + depth());
      }
    }
    NDManager owner = images.getManager();
    try (NDScope scope = new NDScope()) {
      NDArray h = tower.embeddings(preprocessor.apply(images)); // (B, T, C)
      Map<Integer, NDArray> hidden = new LinkedHashMap<>();
      if (wanted.contains(0)) {
        hidden.put(0, h);
      }
      for (int i = 0; i < depth(); i++) {
        h = tower.block(i, h); // (B, T, C)
        if (wanted.contains(i + 1)) {
          hidden.put(i + 1, h);
        }
      }
      NDArray latent = LayerNorm.normalize(h, (float) tower.config().layerNormEps())
          .get(":, " + prefixTokens() + ":, :"); // (B, N, C)
      List<NDArray> outputs = new ArrayList<>(hidden.values());
      outputs.add(latent);
      for (NDArray o : outputs) {
        NDScope.unregister(o);
        o.attach(owner);
      }
      return new EncoderOutput(latent, Collections.unmodifiableMap(hidden), width(), depth(), prefixTokens(), patchTokens());
    }
  }

  /** RAE's preprocessing alone: (B, 3, S, S) -> pixel values (B, 3, S', S'), owned by {@code images}' manager. */
  public NDArray preprocess(NDArray images) {
    checkImages(images);
    try (NDScope scope = new NDScope()) {
      NDArray out = preprocessor.apply(images);
      NDScope.unregister(out);
      out.attach(images.getManager());
      return out;
    }
  }

  private void checkImages(NDArray images) {
    Shape s = images.getShape();
    if (s.dimension() != 4 || s.get(1) != 3) {
      throw new IllegalArgumentException("images must be (B, 3, H, W), got " + s);
    }
    if (s.get(2) != imageSize() || s.get(3) != imageSize()) {
      throw new BadInputException("images are " + s.get(3) + "x" + s.get(2) + " but the encoder takes "
          + imageSize() + "x" + imageSize() + " (encoder.image_size)");
    }
    if (images.getDataType() != DataType.UINT8 && images.getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException("images must be uint8 or float32, got " + images.getDataType());
    }
    if (!images.getDevice().equals(device())) {
      throw new IllegalArgumentException("images are on " + images.getDevice() + " but the encoder is on " + device());
    }
  }

  /** The tower itself (read-only use: parity tests, inspection). Its parameters are frozen. */
  public VisionTower tower() {
    return tower;
  }

  public Family family() {
    return tower.config().family();
  }

  /** C. */
  public int width() {
    return tower.width();
  }

  /** Number of blocks. */
  public int depth() {
    return tower.depth();
  }

  /** CLS + registers (DINOv2-reg: 5) or 0 (SigLIP). */
  public int prefixTokens() {
    return tower.prefixTokens();
  }

  /** N = (input side / patch)². */
  public int patchTokens() {
    int g = preprocessor.inputSize() / tower.config().patchSize();
    return g * g;
  }

  /** S: the image side the encoder accepts. */
  public int imageSize() {
    return preprocessor.imageSize();
  }

  /** S': the side fed to the ViT after resizing. */
  public int inputSize() {
    return preprocessor.inputSize();
  }

  public Device device() {
    return manager.getDevice();
  }

  /** Where the weights came from. */
  public String source() {
    return source;
  }

  @Override
  public void close() {
    manager.close();
  }
}
