package io.decq.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/**
 * A 2-D convolution with zero padding, weight stored {@code (out, in, k, k)} as in PyTorch; parameter names
 * {@code weight}, {@code bias}. With {@code stride == kernel} it is a ViT patch embedding ({@link
 * #patchTokens}). Default init: PyTorch's (U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for both, fan_in = in k²).
 *
 * <p>Dimensions: B batch, I input channels, O output channels, H/W input size, h/w output size, N = h w
 * tokens.
 */
public final class Conv2d extends DecqBlock {
  private final int stride;
  private final int padding;
  private final Parameter weight;
  private final Parameter bias;

  /** Without padding (a patch embedding when {@code stride == kernel}). */
  public Conv2d(long in, long out, int kernel, int stride, boolean bias) {
    this(in, out, kernel, stride, 0, bias);
  }

  /** With {@code padding} zeros on every side (VGG's 3x3 convolutions: padding 1). */
  public Conv2d(long in, long out, int kernel, int stride, int padding, boolean bias) {
    this(in, out, kernel, stride, padding, bias, Linear.torchDefault(in * kernel * kernel),
        Linear.torchDefault(in * kernel * kernel));
  }

  /** Without padding, with the given initialisations. */
  public Conv2d(long in, long out, int kernel, int stride, boolean bias, Init weightInit, Init biasInit) {
    this(in, out, kernel, stride, 0, bias, weightInit, biasInit);
  }

  private Conv2d(long in, long out, int kernel, int stride, int padding, boolean bias, Init weightInit, Init biasInit) {
    if (kernel < 1 || stride < 1 || padding < 0) {
      throw new IllegalArgumentException("kernel and stride must be >= 1 and padding >= 0, got " + kernel + ", " + stride + ", " + padding);
    }
    this.stride = stride;
    this.padding = padding;
    this.weight = param("weight", weightInit, out, in, kernel, kernel);
    this.bias = bias ? param("bias", biasInit, out) : null;
  }

  /** (B, I, H, W) -> (B, O, h, w). */
  public NDArray forward(NDArray x) {
    return ai.djl.nn.convolutional.Conv2d.conv2d(x, value(weight), bias == null ? null : value(bias), new Shape(stride, stride),
            new Shape(padding, padding), new Shape(1, 1), 1)
        .singletonOrThrow();
  }

  /**
   * A 1x1 convolution applied to tokens instead of an image: the Linear over the last axis with the
   * weight viewed as (O, I). Equals {@link #patchTokens} of the tokens' grid; (B, N, I) -> (B, N, O).
   */
  public NDArray pointwise(NDArray tokens) {
    long[] w = value(weight).getShape().getShape();
    if (w[2] != 1 || w[3] != 1 || stride != 1) {
      throw new IllegalStateException("pointwise() needs a 1x1 convolution with stride 1, this one is " + w[2] + "x" + w[3]
          + " with stride " + stride);
    }
    NDArray matrix = value(weight).reshape(w[0], w[1]); // (O, I), a view: owned by the caller's manager, not the model's
    matrix.attach(tokens.getManager());
    return ai.djl.nn.core.Linear.linear(tokens, matrix, bias == null ? null : value(bias)).singletonOrThrow();
  }

  /** The output grid as tokens in row-major order (token = row * w + col): (B, I, H, W) -> (B, N, O). */
  public NDArray patchTokens(NDArray x) {
    NDArray y = forward(x); // (B, O, h, w)
    Shape s = y.getShape();
    return y.reshape(s.get(0), s.get(1), s.get(2) * s.get(3)).transpose(0, 2, 1); // (B, N, O)
  }
}
