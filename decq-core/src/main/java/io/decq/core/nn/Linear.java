package io.decq.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;

/**
 * {@code y = x W^T + b}, weight stored (out, in) as in PyTorch; parameter names {@code weight}, {@code
 * bias}. Default init: PyTorch's (U(-1/sqrt(in), 1/sqrt(in)) for both).
 */
public final class Linear extends DecqBlock {
  private final Parameter weight;
  private final Parameter bias;

  public Linear(long in, long out, boolean bias) {
    this(in, out, bias, torchDefault(in), torchDefault(in));
  }

  public Linear(long in, long out, boolean bias, Init weightInit, Init biasInit) {
    this.weight = param("weight", weightInit, out, in);
    this.bias = bias ? param("bias", biasInit, out) : null;
  }

  /** PyTorch's default Linear init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
  public static Init torchDefault(long fanIn) {
    double a = 1.0 / Math.sqrt(fanIn);
    return Init.uniform(-a, a);
  }

  /** (..., in) -> (..., out). */
  public NDArray forward(NDArray x) {
    return ai.djl.nn.core.Linear.linear(x, value(weight), bias == null ? null : value(bias)).singletonOrThrow();
  }
}
