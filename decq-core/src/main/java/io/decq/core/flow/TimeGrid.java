package io.decq.core.flow;

/**
 * Time grids of the ODE samplers, from noise (t = 1) toward data (t = 0).
 *
 * <p>RAE's Euler grid ({@code Sampler.sample_ode}, {@code num_steps} points): {@code t_i = shift(1 -
 * linspace(0, 1 - 1/1000, points))} in float32. It stops at {@code shift(1 - 0.999f) = shift(0.0009999871)}
 * (0.0069 for a = sqrt(48)), not at 0, and has {@code points - 1} steps; the state at the last point is
 * the sample. {@code linspace} follows torch's documented formula ({@code start + i step} for the first
 * half, {@code end - (points - 1 - i) step} for the second, step {@code (end - start) / (points - 1)} in
 * float32); torch's vectorised CPU kernel rounds a few entries differently in the last bit, so grids agree
 * with RAE's within 3e-7, not bit for bit.
 */
public final class TimeGrid {
  /** RAE's last linspace value {@code t1 = 1 - 1/1000}: the grid stops short of t = 0. */
  public static final double END = 1 - 1 / 1000.0;

  private TimeGrid() {}

  /**
   * RAE's sampling grid.
   *
   * @param points number of grid points (RAE's {@code num_steps}), at least 2
   * @param shift the time shift factor a ({@link TimeShift}); 1 = no shift
   * @return {@code points} times, decreasing from 1
   */
  public static float[] rae(int points, double shift) {
    float[] lin = linspace(0f, (float) END, points);
    float[] t = new float[points];
    for (int i = 0; i < points; i++) {
      t[i] = TimeShift.apply(1f - lin[i], shift);
    }
    return t;
  }

  /** {@code points} evenly spaced float32 values from start to end inclusive, torch's formula. */
  static float[] linspace(float start, float end, int points) {
    if (points < 2) {
      throw new IllegalArgumentException("a time grid needs at least 2 points, got " + points);
    }
    float step = (end - start) / (points - 1);
    int halfway = points / 2;
    float[] out = new float[points];
    for (int i = 0; i < points; i++) {
      out[i] = i < halfway ? start + step * i : end - step * (points - i - 1);
    }
    return out;
  }
}
