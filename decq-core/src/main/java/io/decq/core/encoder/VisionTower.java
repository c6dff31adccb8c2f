package io.decq.core.encoder;

import ai.djl.ndarray.NDArray;
import io.decq.core.nn.DecqBlock;
import java.util.function.Predicate;

/**
 * A pre-LN vision transformer as Hugging Face lays it out: embeddings, {@link #depth()} blocks, a final
 * LayerNorm. Parameter names are the HF state-dict keys of the vision model (no {@code vision_model.}
 * prefix), so loading a checkpoint is a lookup.
 *
 * <p>Dimensions: B batch, S input side (pixels), T tokens (prefix + patches), C width.
 *
 * <p>Forward methods create temporaries in their inputs' manager; callers scope them ({@link
 * FrozenEncoder} runs everything inside an {@code NDScope}).
 */
public abstract class VisionTower extends DecqBlock {
  protected final HfVisionConfig config;

  protected VisionTower(HfVisionConfig config) {
    this.config = config;
  }

  /** The architecture this tower was built from. */
  public final HfVisionConfig config() {
    return config;
  }

  /** Builds the tower of {@code config}'s family (parameters not yet materialized). */
  public static VisionTower of(HfVisionConfig config) {
    return switch (config.family()) {
      case DINOV2_REG -> new Dinov2WithRegisters(config);
      case SIGLIP2 -> new SiglipVisionTransformer(config);
      case AUTO -> throw new IllegalArgumentException("family auto has no tower");
    };
  }

  /** HF {@code hidden_states[0]}: normalised pixels (B, 3, S, S) -> (B, T, C). */
  public abstract NDArray embeddings(NDArray pixelValues);

  /** Block {@code index} (0-based): {@code hidden_states[index]} -> {@code hidden_states[index + 1]}, (B, T, C). */
  public abstract NDArray block(int index, NDArray hidden);

  /** The final LayerNorm with its affine (HF {@code last_hidden_state}): (B, T, C) -> (B, T, C). */
  public abstract NDArray finalNorm(NDArray hidden);

  /** State-dict keys a checkpoint may hold that this tower does not use (not reported as unexpected). */
  public abstract Predicate<String> ignoredKeys();

  public final int depth() {
    return config.layers();
  }

  public final int width() {
    return config.hiddenSize();
  }

  public final int prefixTokens() {
    return config.prefixTokens();
  }
}
