package io.decq.core.flow;

import ai.djl.ndarray.NDArray;

/**
 * A velocity field {@code v(x, t, y)} in the convention of {@link FlowPath} (t = 0 data, t = 1 noise, the
 * target is {@code eps - x}): a denoiser, or a guided combination of denoisers ({@link Guidance}).
 *
 * <p>Dimensions: B batch; "..." any further dims.
 */
@FunctionalInterface
public interface VelocityModel {
  /**
   * @param x (B, ...) state
   * @param t (B) float32 times
   * @param y (B) int64 class labels (the null label means unconditional)
   * @return (B, ...) velocity, the shape of x
   */
  NDArray velocity(NDArray x, NDArray t, NDArray y);
}
