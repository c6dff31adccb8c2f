package io.decq.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import io.decq.core.nn.DecqBlock;

/**
 * One trainable head of RAE's DINO discriminator ({@code heads.i}), over one backbone activation:
 * {@code 0} = [spectral conv k=1 {@code 0.0}, BatchNormLocal {@code 0.1}, LeakyReLU(0.2)]; {@code 1} =
 * residual block {@code (fn(h) + h) / sqrt 2} with {@code fn} = [spectral conv k (circular) {@code 1.fn.0},
 * BatchNormLocal {@code 1.fn.1}, LeakyReLU(0.2)]; {@code 2} = spectral conv C -> 1, k=1.
 *
 * <p>Dimensions: B batch, C backbone width, N tokens.
 */
final class DiscHead extends DecqBlock {
  private static final float SLOPE = 0.2f;
  private static final float RESIDUAL_SCALE = (float) (1 / Math.sqrt(2));

  private final SpectralConv1d conv0;
  private final BatchNormLocal norm0;
  private final SpectralConv1d conv1;
  private final BatchNormLocal norm1;
  private final SpectralConv1d out;

  DiscHead(long channels, int kernel, double eps) {
    conv0 = child("0.0", new SpectralConv1d(channels, channels, 1));
    norm0 = child("0.1", new BatchNormLocal(channels, eps));
    conv1 = child("1.fn.0", new SpectralConv1d(channels, channels, kernel));
    norm1 = child("1.fn.1", new BatchNormLocal(channels, eps));
    out = child("2", new SpectralConv1d(channels, 1, 1));
  }

  void normalizeBuffers() {
    conv0.normalizeBuffers();
    conv1.normalizeBuffers();
    out.normalizeBuffers();
  }

  /** (B, C, N) -> (B, N). */
  NDArray forward(NDArray x, boolean training) {
    NDArray h = Activation.leakyRelu(norm0.forward(conv0.forward(x, training)), SLOPE); // (B, C, N)
    NDArray fn = Activation.leakyRelu(norm1.forward(conv1.forward(h, training)), SLOPE); // (B, C, N)
    h = fn.add(h).mul(RESIDUAL_SCALE); // (B, C, N)
    NDArray logits = out.forward(h, training); // (B, 1, N)
    return logits.reshape(logits.getShape().get(0), -1); // (B, N)
  }
}
