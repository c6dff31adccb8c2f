package io.decq.core.rae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.decq.core.config.NoiseMode;

/**
 * Stage-1 latent noise augmentation (RAE's {@code RAE.noising}): {@code z + sigma * eps}, eps ~ N(0, I),
 * one sigma per image drawn by {@link NoiseMode} with strength tau. Applied to the raw (un-normalised)
 * joint latent, so the query and patch tokens of an image share one sigma. Random numbers come from
 * the engine's generator on the latent's device: seed it ({@code Engine.getInstance().setRandomSeed})
 * for reproducible draws.
 *
 * <p>Dimensions: B batch, N tokens, C width.
 */
public final class NoiseAugmentation {
  private NoiseAugmentation() {}

  /**
   * @param z (B, N, C) raw latent
   * @param tau noise strength (0: returns z unchanged)
   * @return (B, N, C)
   */
  public static NDArray apply(NDArray z, double tau, NoiseMode mode) {
    if (tau == 0) {
      return z;
    }
    NDManager manager = z.getManager();
    NDArray sigma = sigma(manager, z.getShape().get(0), tau, mode); // (B, 1, 1)
    return z.add(manager.randomNormal(0f, 1f, z.getShape(), z.getDataType()).mul(sigma)); // (B, N, C)
  }

  /** Per-image noise levels, shaped (B, 1, 1) for broadcasting. */
  static NDArray sigma(NDManager manager, long batch, double tau, NoiseMode mode) {
    Shape shape = new Shape(batch, 1, 1);
    NDArray unit = switch (mode) {
      case UNIFORM -> manager.randomUniform(0f, 1f, shape);
      case HALF_NORMAL -> manager.randomNormal(shape).abs();
    };
    return unit.mul((float) tau);
  }
}
