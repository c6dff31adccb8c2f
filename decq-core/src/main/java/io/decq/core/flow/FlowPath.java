package io.decq.core.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * The flow-matching path between data and noise. <b>The one time convention of the project</b>:
 *
 * <pre>
 *   t = 0 is data, t = 1 is noise
 *   x_t = (1 - t) x + t eps          (x data, eps ~ N(0, I))
 *   v   = d x_t / d t = eps - x      (the velocity the denoiser learns)
 * </pre>
 *
 * Sampling integrates {@code dx/dt = v(x, t)} from t = 1 (noise) down to t = 0 (data); the solvers step
 * with negative {@code dt}. This is RAE's convention (its {@code ICPlan}, where {@code x1} is the data and
 * {@code x0} the noise); SiT and the flow_matching library use the opposite direction, so take care when
 * porting formulas. The float32 operations are RAE's: {@code (1 - t) * x + t * eps} and {@code eps - x}.
 *
 * <p>Dimensions: B batch; "..." any further dims (tokens and channels, or C, H, W). t is (B), one time
 * per sample, broadcast over the other dims.
 */
public final class FlowPath {
  private FlowPath() {}

  /**
   * The point of the path at time t.
   *
   * @param x (B, ...) data
   * @param eps (B, ...) noise
   * @param t (B) times in [0, 1]
   * @return (B, ...) {@code (1 - t) x + t eps}
   */
  public static NDArray xt(NDArray x, NDArray eps, NDArray t) {
    NDArray tx = perSample(t, x); // (B, 1, ...)
    return tx.neg().add(1f).mul(x).add(tx.mul(eps)); // (B, ...)
  }

  /**
   * The velocity target, the same at every t.
   *
   * @param x (B, ...) data
   * @param eps (B, ...) noise
   * @return (B, ...) {@code eps - x}
   */
  public static NDArray target(NDArray x, NDArray eps) {
    return eps.sub(x); // (B, ...)
  }

  /** t (B) reshaped to (B, 1, ..., 1) with as many dims as {@code like}. */
  static NDArray perSample(NDArray t, NDArray like) {
    Shape shape = like.getShape();
    if (t.getShape().dimension() != 1 || t.getShape().get(0) != shape.get(0)) {
      throw new IllegalArgumentException("t must be (B) = (" + shape.get(0) + "), got " + t.getShape());
    }
    long[] dims = new long[shape.dimension()];
    Arrays.fill(dims, 1);
    dims[0] = shape.get(0);
    return t.reshape(new Shape(dims));
  }
}
