package io.decq.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.decq.core.nn.NoGrad;
import java.util.Collection;

/**
 * Whole-model gradient operations: the global L2 norm, clipping it (torch's {@code
 * clip_grad_norm_}; DJL's {@code optClipGrad} clamps each value instead) and zeroing.
 */
@SuppressWarnings("try") // NoGrad and NDScope regions are opened for their effect, not used in the body
public final class Gradients {
  private Gradients() {}

  /** {@code sqrt(sum over parameters of ||grad||^2)}, computed as torch does: the norm of the per-tensor norms. */
  public static double globalNorm(Collection<Parameter> params) {
    try (NoGrad ng = NoGrad.enter(); NDList norms = new NDList()) {
      for (Parameter p : params) {
        try (NDArray g = p.getArray().getGradient()) {
          norms.add(g.norm()); // () per-tensor L2 norm
        }
      }
      try (NDArray stacked = NDArrays.stack(norms); NDArray total = stacked.norm()) {
        return total.getFloat();
      }
    }
  }

  /**
   * Scales all gradients by {@code min(1, maxNorm / (norm + 1e-6))}, torch's {@code
   * clip_grad_norm_}, and returns the norm before clipping. A non-finite norm leaves the gradients
   * unchanged (the caller decides what to do).
   */
  public static double clipGlobalNorm(Collection<Parameter> params, double maxNorm) {
    double norm = globalNorm(params);
    double coef = maxNorm / (norm + 1e-6);
    if (Double.isFinite(norm) && coef < 1.0) {
      try (NoGrad ng = NoGrad.enter()) {
        for (Parameter p : params) {
          try (NDArray g = p.getArray().getGradient()) {
            g.muli((float) coef);
          }
        }
      }
    }
    return norm;
  }

  /** Sets every gradient to zero in place (torch's {@code zero_grad(set_to_none=False)}). */
  public static void zero(Collection<Parameter> params) {
    for (Parameter p : params) {
      JniUtils.zeroGrad((PtNDArray) p.getArray());
    }
  }
}
