package io.decq.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/**
 * Layer normalisation over the last axis: {@code (x - mean) / sqrt(var + eps) * weight + bias}
 * (biased variance, as torch). Parameter names {@code weight}, {@code bias}; without affine there are no
 * parameters (RAE's final encoder norm).
 */
public final class LayerNorm extends DecqBlock {
  private final long dim;
  private final float eps;
  private final Parameter weight;
  private final Parameter bias;

  public LayerNorm(long dim, double eps, boolean affine) {
    this.dim = dim;
    this.eps = (float) eps;
    this.weight = affine ? param("weight", Init.ONES, dim) : null;
    this.bias = affine ? param("bias", Init.ZEROS, dim) : null;
  }

  /** (..., D) -> (..., D). */
  public NDArray forward(NDArray x) {
    if (weight != null) {
      return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(dim), value(weight), value(bias), eps).singletonOrThrow();
    }
    return normalize(x, eps);
  }

  /** Normalises over the last axis without affine. */
  public static NDArray normalize(NDArray x, float eps) {
    NDArray mean = x.mean(new int[] {-1}, true);
    NDArray centered = x.sub(mean);
    NDArray var = centered.square().mean(new int[] {-1}, true);
    return centered.div(var.add(eps).sqrt());
  }
}
