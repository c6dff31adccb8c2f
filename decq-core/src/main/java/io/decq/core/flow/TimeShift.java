package io.decq.core.flow;

import io.decq.core.config.FlowConfig;

/**
 * The resolution-dependent time shift {@code t' = a t / (1 + (a - 1) t)} of RAE (and SD3), which moves
 * times toward the noise end (t = 1) for larger latents: {@code a = sqrt(m / 4096)}, m = number of latent
 * values per image. For DecQ m counts the query tokens too: {@code m = (g * g + Q) * C} for a g x g patch
 * grid, Q queries and C channels (16 x 16 x 768 without queries: a = sqrt(48) = 6.93).
 *
 * <p>Arithmetic is float32 as RAE's (a Python double times a float32 tensor): {@code a} and {@code a -
 * 1} are rounded to float32 once, then {@code (a t) / (1 + (a - 1) t)} runs in float32. {@code a = 1}
 * leaves every t unchanged; 0 and 1 are fixed points.
 */
public final class TimeShift {
  /** The reference size 4096 = 64 x 64 of {@code a = sqrt(m / 4096)} (RAE's {@code time_dist_shift_base}). */
  public static final long BASE = 4096;

  private TimeShift() {}

  /** {@code sqrt(m / 4096)} for a latent of {@code latentValues} numbers per image. */
  public static double factor(long latentValues) {
    if (latentValues <= 0) {
      throw new IllegalArgumentException("latent values per image must be > 0, got " + latentValues);
    }
    return Math.sqrt((double) latentValues / BASE);
  }

  /** The factor a config asks for: {@link #factor} when {@code flow.shift} is auto, else the number given. */
  public static double factor(FlowConfig config, long latentValues) {
    return FlowConfig.AUTO.equals(config.shift()) ? factor(latentValues) : Double.parseDouble(config.shift());
  }

  /** {@code a t / (1 + (a - 1) t)} in float32 arithmetic. */
  public static float apply(float t, double a) {
    float af = (float) a;
    float am1 = (float) (a - 1);
    return af * t / (1f + am1 * t);
  }

  /** {@link #apply} on every element (a new array). */
  public static float[] apply(float[] t, double a) {
    float[] out = new float[t.length];
    for (int i = 0; i < t.length; i++) {
      out[i] = apply(t[i], a);
    }
    return out;
  }
}
