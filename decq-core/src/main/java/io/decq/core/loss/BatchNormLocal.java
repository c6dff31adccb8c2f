package io.decq.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import io.decq.core.nn.DecqBlock;
import io.decq.core.nn.Init;

/**
 * RAE's {@code BatchNormLocal} with {@code virtual_bs = 1}: per sample and channel, mean and biased
 * variance over the tokens, {@code (x - mean) / sqrt(var + eps) * weight + bias}. No running statistics:
 * identical in training and evaluation. Parameters {@code weight} (ones), {@code bias} (zeros).
 *
 * <p>Dimensions: B batch, C channels, N tokens.
 */
final class BatchNormLocal extends DecqBlock {
  private final float eps;
  private final Parameter weight;
  private final Parameter bias;

  BatchNormLocal(long channels, double eps) {
    this.eps = (float) eps;
    this.weight = param("weight", Init.ONES, channels);
    this.bias = param("bias", Init.ZEROS, channels);
  }

  /** (B, C, N) -> (B, C, N). */
  NDArray forward(NDArray x) {
    NDArray centered = x.sub(x.mean(new int[] {2}, true)); // (B, C, N)
    NDArray var = centered.square().mean(new int[] {2}, true); // (B, C, 1)
    NDArray normed = centered.div(var.add(eps).sqrt()); // (B, C, N)
    return normed.mul(value(weight).reshape(1, -1, 1)).add(value(bias).reshape(1, -1, 1));
  }
}
