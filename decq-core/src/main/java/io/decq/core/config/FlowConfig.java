package io.decq.core.config;

import java.util.List;

/**
 * The {@code flow} section: stage-2 flow matching (time sampling and its shift, the loss weight of the
 * query tokens) and the default ODE sampler with its guidance. The conventions (t = 0 data, t = 1 noise)
 * are stated in {@code io.decq.core.flow.FlowPath}.
 *
 * @param timeDist how training times are drawn before the shift: logit-normal (logit(t) ~ N(0, 1),
 *     truncated to [0, 0.999] by inverse CDF; RAE's {@code logit-normal_0_1}) or uniform on [0, 0.999]
 * @param shift the time shift factor a of {@code t' = a t / (1 + (a - 1) t)}: {@code auto} for
 *     {@code sqrt(m / 4096)}, m = latent values per image counting the query tokens, {@code m = (g * g +
 *     Q) * C} ((256 + Q) * C for a 16 x 16 grid), or a number >= 1 (1 = no shift)
 * @param lambdaQ weight of the query-token term of the loss: {@code MSE(patches) + lambda_q *
 *     MSE(queries)}
 * @param sampler ODE solver of the sampler: euler (RAE's) or heun (second order, two model evaluations
 *     per step)
 * @param steps number of points of the time grid (RAE's {@code num_steps}): {@code steps - 1} solver
 *     steps from t = 1 to t = shift(0.001)
 * @param cfgScale guidance scale w of {@code v = v_guide + w (v_main - v_guide)}; 1 = no guidance (the
 *     guide is not evaluated)
 * @param cfgInterval [t_min, t_max]: guidance applies to samples whose t is in this closed interval,
 *     the plain conditional velocity elsewhere
 */
public record FlowConfig(
    TimeDist timeDist,
    String shift,
    double lambdaQ,
    Sampler sampler,
    int steps,
    double cfgScale,
    List<Double> cfgInterval) {

  /** The value of {@code shift} that means {@code sqrt(m / 4096)}. */
  public static final String AUTO = "auto";

  /** The distribution of training times before the shift. */
  public enum TimeDist {
    /** logit(t) ~ N(0, 1), truncated to [0, 0.999] by inverse CDF. */
    LOGIT_NORMAL,
    /** t ~ U(0, 0.999). */
    UNIFORM
  }

  /** The ODE solver. */
  public enum Sampler {
    /** First order, one model evaluation per step (RAE's sampler). */
    EULER,
    /** Second order (explicit trapezoid), two model evaluations per step. */
    HEUN
  }

  public FlowConfig {
    Check.that(timeDist != null, "time_dist", "must be logit-normal or uniform");
    Check.that(shift != null, "shift", "must be auto or a number >= 1");
    if (!AUTO.equals(shift)) {
      double a;
      try {
        a = Double.parseDouble(shift);
      } catch (NumberFormatException e) {
        throw new ConfigException("shift", "must be auto or a number >= 1, got '" + shift + "'");
      }
      Check.that(a >= 1 && Double.isFinite(a), "shift", "must be auto or a number >= 1, got " + shift);
    }
    Check.atLeast("lambda_q", lambdaQ, 0.0);
    Check.that(sampler != null, "sampler", "must be euler or heun");
    Check.atLeast("steps", steps, 2);
    Check.positive("cfg_scale", cfgScale);
    Check.that(cfgInterval != null && cfgInterval.size() == 2, "cfg_interval",
        "must be a list of two times [t_min, t_max], got " + cfgInterval);
    double lo = cfgInterval.get(0);
    double hi = cfgInterval.get(1);
    Check.that(lo >= 0 && lo <= hi && hi <= 1, "cfg_interval",
        "must satisfy 0 <= t_min <= t_max <= 1, got " + cfgInterval);
    cfgInterval = List.copyOf(cfgInterval);
  }

  public static FlowConfig defaults() {
    return new FlowConfig(TimeDist.LOGIT_NORMAL, AUTO, 1.0, Sampler.EULER, 50, 1.0, List.of(0.0, 1.0));
  }
}
