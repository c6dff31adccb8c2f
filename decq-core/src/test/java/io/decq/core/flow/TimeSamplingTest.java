package io.decq.core.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.decq.core.config.FlowConfig;
import org.junit.jupiter.api.Test;

/** Closed-form properties of the normal CDF, the time shift, the samplers and the grid. */
class TimeSamplingTest {

  @Test
  void normalCdfAndQuantileAgreeWithTables() {
    assertEquals(0.5, StandardNormal.cdf(0), 0);
    assertEquals(0.15865525393145707, StandardNormal.cdf(-1), 1e-16);
    assertEquals(0.0013498980316300946, StandardNormal.cdf(-3), 1e-17);
    assertEquals(2.866515718791939e-7, StandardNormal.cdf(-5), 1e-20);
    assertEquals(0.9750021048517795, StandardNormal.cdf(1.96), 1e-15);
    assertEquals(1.959963984540054, StandardNormal.inverseCdf(0.975), 2e-14);
    assertEquals(-2.5758293035489004, StandardNormal.inverseCdf(0.005), 2e-14);
    assertEquals(Double.NEGATIVE_INFINITY, StandardNormal.inverseCdf(0));
  }

  @Test
  void quantileInvertsTheCdf() {
    double worstAcklam = 0;
    for (double p : new double[] {1e-12, 6e-8, 1e-4, 0.02, 0.024, 0.03, 0.2, 0.5, 0.7, 0.97, 0.99, 1 - 1e-9}) {
      double x = StandardNormal.inverseCdf(p);
      double back = x < 0 ? StandardNormal.cdf(x) : 1 - StandardNormal.cdf(-x);
      assertEquals(p, back, 4e-15 * Math.min(p, 1 - p) + 1e-16, "p = " + p);
      if (p > 1e-6 && p < 1 - 1e-6) { // 1 - p is exact enough in double here
        assertEquals(-x, StandardNormal.inverseCdf(1 - p), 1e-12, "symmetry at p = " + p);
      }
      worstAcklam = Math.max(worstAcklam, Math.abs(StandardNormal.acklam(p) - x) / Math.abs(x == 0 ? 1 : x));
    }
    assertTrue(worstAcklam < 1.2e-9, "Acklam's approximation before refinement: relative error " + worstAcklam);
  }

  @Test
  void shiftFixesTheEndsAndOneIsIdentity() {
    double a = TimeShift.factor(16 * 16 * 768);
    assertEquals(Math.sqrt(48), a, 0);
    assertEquals(0f, TimeShift.apply(0f, a));
    assertEquals(1f, TimeShift.apply(1f, a));
    assertEquals(0.3f, TimeShift.apply(0.3f, 1.0));
    // a > 1 moves every time toward noise; in closed form shift(1/2) = a / (a + 1).
    assertEquals(a / (a + 1), TimeShift.apply(0.5f, a), 1e-7);
    assertTrue(TimeShift.apply(0.1f, a) > 0.1f);
  }

  @Test
  void shiftFactorCountsQueryTokens() {
    FlowConfig auto = FlowConfig.defaults();
    assertEquals(Math.sqrt((256 + 8) * 768 / 4096.0), TimeShift.factor(auto, (256 + 8) * 768L), 0);
    FlowConfig fixed = new FlowConfig(FlowConfig.TimeDist.UNIFORM, "3.5", 1, FlowConfig.Sampler.EULER, 50, 1,
        java.util.List.of(0.0, 1.0));
    assertEquals(3.5, TimeShift.factor(fixed, 196608), 0);
  }

  @Test
  void rawTimesAreInTheTruncationInterval() {
    assertEquals(0f, TimeSampler.uniform(0f));
    assertEquals(0.5f * 0.999f, TimeSampler.uniform(0.5f));
    // U = 1/2 is the median: logit t = 0 (Phi(logit 0.999f) is 1.0f in float32).
    assertEquals(0.5f, TimeSampler.truncatedLogitNormal(0.5f));
    assertEquals(0f, TimeSampler.truncatedLogitNormal(0f));
    assertEquals(TimeSampler.T_MAX, TimeSampler.truncatedLogitNormal(1f), "clamped to 0.999");
    float previous = -1;
    for (int i = 0; i <= 1000; i++) {
      float t = TimeSampler.truncatedLogitNormal(i / 1001f);
      assertTrue(t >= previous && t <= TimeSampler.T_MAX, "monotone in U, within [0, 0.999]");
      previous = t;
    }
  }

  @Test
  void sampledTimesFollowTheShiftedDistribution() {
    double a = 2.0;
    TimeSampler sampler = new TimeSampler(FlowConfig.TimeDist.LOGIT_NORMAL, a);
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray t = sampler.sample(m, 4000);
      float[] ts = t.toFloatArray();
      int below = 0;
      for (float v : ts) {
        assertTrue(v >= 0 && v <= 1);
        below += v < TimeShift.apply(0.5f, a) ? 1 : 0;
      }
      // The shift is monotone, so shift(1/2) is the median of the shifted logit-normal times.
      assertEquals(0.5, below / 4000.0, 0.03);
    }
  }

  @Test
  void gridRunsFromNoiseToShortOfData() {
    float[] g = TimeGrid.rae(50, 1.0);
    assertEquals(50, g.length);
    assertEquals(1f, g[0]);
    assertEquals(1f - 0.999f, g[49]);
    for (int i = 1; i < g.length; i++) {
      assertTrue(g[i] < g[i - 1]);
    }
  }
}
