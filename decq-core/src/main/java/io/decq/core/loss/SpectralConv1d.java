package io.decq.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import io.decq.core.nn.DecqBlock;
import io.decq.core.nn.Init;
import io.decq.core.nn.Linear;

/**
 * A 1-D convolution under spectral normalisation ({@code torch.nn.utils.spectral_norm}, one power
 * iteration, eps 1e-12, dim 0), with circular padding {@code (k - 1) / 2} for odd kernels > 1 (RAE's {@code
 * SpectralConv1d}). Parameter names are torch's: trainable {@code weight_orig} (O, I, k) and {@code bias}
 * (O); buffers {@code weight_u} (O) and {@code weight_v} (I k), not trainable but part of the state
 * (save and restore them for exact resume).
 *
 * <p>With {@code W = weight_orig.reshape(O, I k)}: in training, before every forward, {@code v =
 * normalize(W^T u)}, {@code u = normalize(W v)} without gradient, written into the buffers; in eval the
 * stored u, v are used unchanged. The convolution uses {@code weight_orig / sigma}, {@code sigma = u . (W
 * v)}, with the gradient flowing through sigma (u and v are constants).
 *
 * <p>The convolution is a sum of k matrix products (one per tap) over the circularly padded input, not
 * libtorch's convolution: on the development CPU (AMD EPYC, AVX-512) DJL 0.29 / libtorch 2.3.1's {@code
 * conv1d} (and {@code conv2d} with a 1 x k kernel) returns wrong values and NaN gradients for batch >= 2 with
 * 24 channels and k = 9 (max |diff| 23 against a scalar loop at B=2, C=24, N=100; right for B=1, for k=1 and
 * for 4 channels). The heads are under 10% of the discriminator's time, so the taps cost little.
 *
 * <p>Dimensions: B batch, I input channels, O output channels, N sequence length (tokens), k kernel size.
 */
final class SpectralConv1d extends DecqBlock {
  private static final float EPS = 1e-12f;

  private final int kernel;
  private final Parameter weightOrig;
  private final Parameter bias;
  private final Parameter weightU;
  private final Parameter weightV;

  SpectralConv1d(long in, long out, int kernel) {
    if (kernel < 1 || kernel % 2 == 0) {
      throw new IllegalArgumentException("kernel size must be odd and >= 1, got " + kernel);
    }
    this.kernel = kernel;
    Init init = Linear.torchDefault(in * kernel);
    this.weightOrig = param("weight_orig", init, out, in, kernel);
    this.bias = param("bias", init, out);
    this.weightU = param("weight_u", Init.normal(1.0), false, out);
    this.weightV = param("weight_v", Init.normal(1.0), false, in * kernel);
  }

  /** Unit-normalises the freshly drawn u and v, as torch does when it registers spectral norm. */
  void normalizeBuffers() {
    for (Parameter p : new Parameter[] {weightU, weightV}) {
      NDArray a = value(p);
      try (NDArray n = normalize(a)) {
        assign(a, n);
      }
    }
  }

  /** (B, I, N) -> (B, O, N); {@code training} runs the power iteration and updates u, v. */
  NDArray forward(NDArray x, boolean training) {
    NDArray w = value(weightOrig); // (O, I, k)
    long out = w.getShape().get(0);
    NDArray wMat = w.reshape(out, -1); // (O, I k)
    if (training) {
      powerIteration(wMat);
    }
    NDArray u = value(weightU).duplicate(); // (O) constant: the buffers may move before this graph's backward
    NDArray v = value(weightV).duplicate(); // (I k)
    NDArray sigma = u.dot(wMat.matMul(v.reshape(-1, 1)).reshape(-1)); // ()
    NDArray weight = w.div(sigma); // (O, I, k)
    NDArray padded = kernel == 1 ? x : circularPad(x, (kernel - 1) / 2); // (B, I, N + k - 1)
    long n = x.getShape().get(2);
    NDArray y = value(bias).reshape(1, -1, 1); // (1, O, 1)
    for (int t = 0; t < kernel; t++) {
      NDArray tap = weight.get(":, :, " + t); // (O, I)
      y = y.add(tap.matMul(padded.get(":, :, " + t + ":" + (t + n)))); // (B, O, N)
    }
    return y;
  }

  private void powerIteration(NDArray wMat) {
    try (NDArray wc = wMat.stopGradient()) {
      NDArray u = value(weightU);
      NDArray v = value(weightV);
      try (NDArray wtu = wc.transpose().matMul(u.reshape(-1, 1)).reshape(-1);
          NDArray nv = normalize(wtu)) {
        assign(v, nv);
      }
      try (NDArray wv = wc.matMul(v.reshape(-1, 1)).reshape(-1);
          NDArray nu = normalize(wv)) {
        assign(u, nu);
      }
    }
  }

  /** {@code x / max(||x||, eps)} (torch's {@code F.normalize}). */
  private static NDArray normalize(NDArray x) {
    return x.div(x.norm().maximum(EPS));
  }

  /** Wraps the sequence axis: the last {@code p} tokens before the first, the first {@code p} after the last. */
  private static NDArray circularPad(NDArray x, int p) {
    long n = x.getShape().get(2);
    return x.get(":, :, " + (n - p) + ":").concat(x, 2).concat(x.get(":, :, :" + p), 2); // (B, I, N + 2p)
  }
}
