package io.decq.core.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * Guided velocity {@code v = v_guide + w (v_main - v_guide)} for the samples whose time t lies in
 * [t_min, t_max] (closed), the plain main (conditional) velocity for the others; on every channel and
 * every token, queries included. Float32 operations as RAE's {@code forward_with_cfg}: {@code guide + w
 * (main - guide)}.
 *
 * <ul>
 *   <li>Classifier-free ({@link #classifierFree}): the guide is the same model given the null label. Both
 *       passes run as one batch of 2B, {@code [x; x]} with labels {@code [y; null]} and times {@code [t;
 *       t]}, as RAE's {@code forward_with_cfg} does (RAE keeps that doubled batch as its sampling state; here
 *       the state stays (B) and the doubling happens inside, which gives the same numbers).
 *   <li>AutoGuidance ({@link #autoGuidance}): the guide is a second (smaller, less trained) model given the
 *       same labels, as RAE's {@code forward_with_autoguidance}.
 * </ul>
 *
 * With w = 1 the guide is never evaluated and the result is the main model's output itself, exactly. The
 * interval is applied on the device by a mask (no host round trip per step), so both passes always run
 * otherwise, as in RAE.
 *
 * <p>Dimensions: B batch; "..." any further dims.
 */
public final class Guidance implements VelocityModel {
  private final VelocityModel main;
  private final VelocityModel guide;
  private final long nullLabel;
  private final float scale;
  private final float tMin;
  private final float tMax;

  private Guidance(VelocityModel main, VelocityModel guide, long nullLabel, double scale, double tMin, double tMax) {
    if (!(scale > 0) || !Double.isFinite(scale)) {
      throw new IllegalArgumentException("guidance scale must be > 0, got " + scale);
    }
    if (!(tMin <= tMax)) {
      throw new IllegalArgumentException("guidance interval must have t_min <= t_max, got [" + tMin + ", " + tMax + "]");
    }
    this.main = main;
    this.guide = guide;
    this.nullLabel = nullLabel;
    this.scale = (float) scale;
    this.tMin = (float) tMin;
    this.tMax = (float) tMax;
  }

  /**
   * Classifier-free guidance.
   *
   * @param model the conditional model, also run with the null label as the guide
   * @param nullLabel the unconditional class (num_classes for RAE's label embedder)
   * @param scale w (1 = no guidance)
   * @param tMin lower end of the guidance interval
   * @param tMax upper end of the guidance interval
   */
  public static Guidance classifierFree(VelocityModel model, long nullLabel, double scale, double tMin, double tMax) {
    return new Guidance(model, null, nullLabel, scale, tMin, tMax);
  }

  /**
   * AutoGuidance.
   *
   * @param main the model being guided
   * @param guide the guiding model, given the same x, t and labels
   * @param scale w (1 = no guidance)
   * @param tMin lower end of the guidance interval
   * @param tMax upper end of the guidance interval
   */
  public static Guidance autoGuidance(VelocityModel main, VelocityModel guide, double scale, double tMin, double tMax) {
    return new Guidance(main, guide, -1, scale, tMin, tMax);
  }

  @Override
  public NDArray velocity(NDArray x, NDArray t, NDArray y) {
    if (scale == 1f) {
      return main.velocity(x, t, y);
    }
    NDArray cond; // (B, ...)
    NDArray uncond; // (B, ...)
    if (guide == null) {
      long b = x.getShape().get(0);
      NDArray nulls = y.getManager().full(y.getShape(), nullLabel, DataType.INT64); // (B)
      NDArray both = main.velocity(x.concat(x, 0), t.concat(t, 0), y.concat(nulls, 0)); // (2B, ...)
      NDList halves = both.split(new long[] {b}, 0);
      cond = halves.get(0);
      uncond = halves.get(1);
    } else {
      cond = main.velocity(x, t, y);
      uncond = guide.velocity(x, t, y);
    }
    NDArray guided = uncond.add(cond.sub(uncond).mul(scale)); // (B, ...)
    long[] dims = new long[x.getShape().dimension()];
    Arrays.fill(dims, 1);
    dims[0] = t.getShape().get(0);
    NDArray inside = t.gte(tMin).logicalAnd(t.lte(tMax)).reshape(new Shape(dims)).broadcast(x.getShape()); // (B, ...)
    return NDArrays.where(inside, guided, cond); // (B, ...)
  }
}
