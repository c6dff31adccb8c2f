package io.decq.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;

/** RMS normalisation over the last axis: {@code x * rsqrt(mean(x^2) + eps) * weight}; parameter {@code weight}. */
public final class RmsNorm extends DecqBlock {
  private final float eps;
  private final Parameter weight;

  public RmsNorm(long dim, double eps) {
    this.eps = (float) eps;
    this.weight = param("weight", Init.ONES, dim);
  }

  /** (..., D) -> (..., D). */
  public NDArray forward(NDArray x) {
    NDArray ms = x.square().mean(new int[] {-1}, true);
    return x.mul(ms.add(eps).sqrt().pow(-1)).mul(value(weight));
  }
}
