package io.decq.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The VQGAN adaptive weight of RAE's stage 1 ({@code calculate_adaptive_weight}): {@code d = ||dL_rec/dW||
 * / (||dL_gan/dW|| + 1e-6)} over the decoder's last layer {@code W} (Frobenius norms), clamped to {@code [0,
 * max]} and used as a constant: {@code total = L_rec + discWeight * d * L_gan}.
 *
 * <p>In a trainer (DJL has no {@code autograd.grad} on a subset of leaves): because {@code d} is a constant,
 * every parameter's total gradient is {@code g_rec + discWeight * d * g_gan}. Run {@link
 * #backwardKeepingGraph} on {@code L_gan}, copy the trainable gradients ({@code g_gan}) and zero them, run
 * the ordinary backward on {@code L_rec} ({@code g_rec}), compute {@code d} from the two gradients of
 * {@code W} with {@link #of(NDArray, NDArray, double)}, then add {@code discWeight * d * g_gan} to every
 * gradient: two backward passes instead of RAE's three.
 */
public final class AdaptiveWeight {
  /** RAE's clamp ({@code max_d_weight}). */
  public static final double MAX = 1e4;

  private static final double EPS = 1e-6;

  private AdaptiveWeight() {}

  /** {@code clamp(recNorm / (ganNorm + 1e-6), 0, max)} in float32 arithmetic, as torch computes it. */
  public static float of(double recNorm, double ganNorm, double max) {
    float d = (float) recNorm / ((float) ganNorm + (float) EPS);
    return Math.min(Math.max(d, 0f), (float) max);
  }

  /** The weight from the gradients of the two losses w.r.t. the last layer's weight (any shape). */
  public static float of(NDArray gradRec, NDArray gradGan, double max) {
    return of(frobenius(gradRec), frobenius(gradGan), max);
  }

  /** The Frobenius (L2) norm of all elements, in float32 as torch's {@code torch.norm}. */
  public static float frobenius(NDArray g) {
    try (NDArray n = g.norm()) {
      return n.getFloat();
    }
  }

  /**
   * Backpropagates {@code loss} (a scalar) into every leaf's gradient (accumulating, as DJL's {@code
   * GradientCollector.backward} does) but keeps the graph, so a second loss sharing it can be backpropagated
   * afterwards. Must run inside an open {@code GradientCollector} (PyTorch engine).
   */
  public static void backwardKeepingGraph(NDArray loss) {
    try (NDArray ones = loss.onesLike()) {
      JniUtils.backward((PtNDArray) loss, (PtNDArray) ones, true, false);
    }
  }
}
