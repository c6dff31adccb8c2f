package io.decq.core.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.decq.core.config.FlowConfig;

/**
 * Draws training times t as RAE's {@code Transport.sample}: a raw time on [0, 0.999] from U ~ U(0, 1),
 * then the {@link TimeShift}.
 *
 * <ul>
 *   <li>logit-normal(0, 1) truncated to [0, 0.999] by inverse CDF: {@code t_raw = sigmoid(Phi^-1(Phi(logit
 *       0.999) U))} (the lower bound 0 has {@code Phi(logit 0) = 0}); RAE's {@code
 *       truncated_logitnormal_sample}.
 *   <li>uniform: {@code t_raw = 0.999 U}.
 * </ul>
 *
 * <p>The map from U to t is deterministic and exposed ({@link #times}, {@link #truncatedLogitNormal},
 * {@link #uniform}) so that tests can feed recorded draws. It reproduces RAE's float32 arithmetic: the
 * float32 roundings torch makes between its elementary steps ({@code 2 U - 1}, the product with
 * {@code Phi(logit 0.999f)}, which is 1.0f in float32) are made here too, and the transcendental
 * functions (logit, Phi, Phi^-1, sigmoid) are evaluated in double and rounded to float32 where torch
 * rounds its float32 results, so t agrees with RAE's to float32 rounding.
 */
public final class TimeSampler {
  /** Upper end of the raw times, RAE's {@code t1 = 1 - 1/1000} (as float32: 0.999f). */
  public static final float T_MAX = (float) (1 - 1 / 1000.0);

  private static final float SQRT2 = (float) Math.sqrt(2);

  private final FlowConfig.TimeDist dist;
  private final double shift;

  /**
   * @param dist the raw time distribution
   * @param shift the shift factor a ({@link TimeShift#factor}); 1 = no shift
   */
  public TimeSampler(FlowConfig.TimeDist dist, double shift) {
    if (!(shift > 0) || !Double.isFinite(shift)) {
      throw new IllegalArgumentException("time shift must be a positive number, got " + shift);
    }
    this.dist = dist;
    this.shift = shift;
  }

  /** The sampler a config asks for, for latents of {@code latentValues} numbers per image (queries counted). */
  public static TimeSampler of(FlowConfig config, long latentValues) {
    return new TimeSampler(config.timeDist(), TimeShift.factor(config, latentValues));
  }

  public double shift() {
    return shift;
  }

  /**
   * Draws a batch of shifted times with U from the manager's generator (libtorch's; seed it with
   * {@code Engine.getInstance().setRandomSeed} for reproducible draws).
   *
   * @return (B) float32 on the manager's device
   */
  public NDArray sample(NDManager manager, int batch) {
    float[] u;
    try (NDArray draw = manager.randomUniform(0f, 1f, new Shape(batch), DataType.FLOAT32)) {
      u = draw.toFloatArray();
    }
    return manager.create(times(u));
  }

  /** The shifted times for uniform draws {@code u} in [0, 1). */
  public float[] times(float[] u) {
    float[] t = new float[u.length];
    for (int i = 0; i < u.length; i++) {
      float raw = dist == FlowConfig.TimeDist.UNIFORM ? uniform(u[i]) : truncatedLogitNormal(u[i]);
      t[i] = TimeShift.apply(raw, shift);
    }
    return t;
  }

  /** The unshifted uniform time {@code 0.999 u} (float32 product). */
  public static float uniform(float u) {
    return u * T_MAX;
  }

  /**
   * The unshifted truncated logit-normal(0, 1) time for a uniform draw u, in float32 as RAE computes it:
   * {@code p = Phi(logit 0.999f) u}, {@code z = sqrt(2) erfinv(2 p - 1)}, {@code t = clamp(sigmoid(z), 0,
   * 0.999f)}.
   */
  public static float truncatedLogitNormal(float u) {
    float zHigh = (float) Math.log(T_MAX / (1f - T_MAX));
    float cdfHigh = 0.5f * (1f + erf(zHigh / SQRT2));
    float p = cdfHigh * Math.min(Math.max(u, 0f), 1f);
    float y = 2f * p - 1f;
    float erfinv = (float) (StandardNormal.inverseCdf((y + 1.0) / 2) / Math.sqrt(2));
    float z = erfinv * SQRT2;
    float t = (float) (1 / (1 + Math.exp(-(double) z)));
    return Math.min(Math.max(t, 0f), T_MAX);
  }

  /** erf(x) = 2 Phi(x sqrt 2) - 1, rounded to float32. */
  private static float erf(float x) {
    return (float) (2 * StandardNormal.cdf(x * Math.sqrt(2)) - 1);
  }
}
