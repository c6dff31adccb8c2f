package io.decq.core.flow;

import ai.djl.ndarray.NDArray;

/**
 * The stage-2 loss on the joint latent, per sample: {@code loss = MSE(patches) + lambda_q MSE(queries)},
 * each term the mean of {@code (pred - target)^2} over its own tokens and channels. With Q = 0 it is RAE's
 * {@code mean_flat((model_output - u_t)^2)}, the mean over (C, H, W). The target is {@link
 * FlowPath#target}.
 *
 * <p>Dimensions: B batch, Q query tokens, N patch tokens, C channels. Joint tensors are (B, Q + N, C) with
 * the query tokens first.
 */
public final class FlowLoss {
  private FlowLoss() {}

  /**
   * The per-sample loss and its two terms, each (B); {@code queries} is all zeros when Q = 0 (then {@code total} equals {@code patches}). The
   * batch loss to minimise is {@code total.mean()}; trainers log the means of the three.
   *
   * @param total (B) {@code patches + lambda_q queries}
   * @param patches (B) mean squared error over the patch tokens
   * @param queries (B) mean squared error over the query tokens
   */
  public record Terms(NDArray total, NDArray patches, NDArray queries) {}

  /**
   * @param pred (B, Q + N, C) predicted velocity
   * @param target (B, Q + N, C) target velocity
   * @param queries Q, the number of leading query tokens (0 to Q + N - 1)
   * @param lambdaQ weight of the query term
   */
  public static Terms perSample(NDArray pred, NDArray target, int queries, double lambdaQ) {
    if (!pred.getShape().equals(target.getShape()) || pred.getShape().dimension() != 3) {
      throw new IllegalArgumentException(
          "pred and target must both be (B, Q + N, C), got " + pred.getShape() + " and " + target.getShape());
    }
    long tokens = pred.getShape().get(1);
    if (queries < 0 || queries >= tokens) {
      throw new IllegalArgumentException("query tokens must be in [0, " + tokens + "), got " + queries);
    }
    NDArray sq = pred.sub(target).square(); // (B, Q + N, C)
    NDArray patches = meanPerSample(sq.get(":, " + queries + ":, :")); // (B)
    NDArray query = queries == 0 ? patches.zerosLike() : meanPerSample(sq.get(":, :" + queries + ", :")); // (B)
    return new Terms(patches.add(query.mul((float) lambdaQ)), patches, query);
  }

  /** (B, ...) -> (B): the mean over everything but the batch (DJL's mean takes one axis on PyTorch). */
  private static NDArray meanPerSample(NDArray a) {
    return a.reshape(a.getShape().get(0), -1).mean(new int[] {1}); // (B)
  }
}
