package io.decq.core.rae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.decq.core.config.NoiseMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Statistics of the stage-1 noise: with z = 0 the per-image mean square of the output estimates sigma^2,
 * whose distribution identifies the mode (uniform: E[sigma^2] = tau^2 / 3, sigma <= tau; half-normal:
 * E[sigma^2] = tau^2, P(sigma > tau) = 0.317).
 */
class NoiseAugmentationTest {
  static final int B = 4000;
  static final int N = 6;
  static final int C = 64;
  static final double TAU = 0.8;

  static NDManager manager;

  @BeforeAll
  static void setUp() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void tearDown() {
    manager.close();
  }

  /** Per image: [sigma^2 estimate over tokens 0..1 (the "queries"), over tokens 2..N-1 (the "patches")]. */
  static double[][] sigmaSquared(NoiseMode mode, long seed) {
    try (NDManager step = manager.newSubManager()) {
      Engine.getInstance().setRandomSeed((int) seed);
      NDArray z = step.zeros(new Shape(B, N, C));
      NDArray out = NoiseAugmentation.apply(z, TAU, mode);
      float[] q = out.get(":, :2, :").square().reshape(B, -1).mean(new int[] {1}).toFloatArray();
      float[] p = out.get(":, 2:, :").square().reshape(B, -1).mean(new int[] {1}).toFloatArray();
      double[][] s = new double[B][];
      for (int b = 0; b < B; b++) {
        s[b] = new double[] {q[b], p[b]};
      }
      return s;
    }
  }

  @Test
  void uniformSigmaIsTauTimesUniform() {
    double[][] s = sigmaSquared(NoiseMode.UNIFORM, 1);
    double mean = 0;
    int above = 0;
    int belowQuarter = 0;
    for (double[] v : s) {
      double all = (2 * v[0] + (N - 2) * v[1]) / N;
      mean += all / B;
      above += Math.sqrt(all) > 1.1 * TAU ? 1 : 0;
      belowQuarter += Math.sqrt(all) < 0.25 * TAU ? 1 : 0;
    }
    System.out.printf("uniform noise: E[sigma^2] %.4f (expected %.4f), P(sigma < tau/4) %.3f (expected 0.25)%n",
        mean, TAU * TAU / 3, belowQuarter / (double) B);
    assertEquals(TAU * TAU / 3, mean, 0.02);
    assertEquals(0, above, "sigma must not exceed tau");
    assertEquals(0.25, belowQuarter / (double) B, 0.03);
  }

  @Test
  void halfNormalSigmaIsAbsoluteGaussian() {
    double[][] s = sigmaSquared(NoiseMode.HALF_NORMAL, 2);
    double mean = 0;
    int above = 0;
    for (double[] v : s) {
      double all = (2 * v[0] + (N - 2) * v[1]) / N;
      mean += all / B;
      above += Math.sqrt(all) > TAU ? 1 : 0;
    }
    System.out.printf("half-normal noise: E[sigma^2] %.4f (expected %.4f), P(sigma > tau) %.3f (expected 0.317)%n",
        mean, TAU * TAU, above / (double) B);
    assertEquals(TAU * TAU, mean, 0.05);
    assertEquals(0.317, above / (double) B, 0.03);
  }

  @Test
  void queryAndPatchTokensOfAnImageShareOneSigma() {
    double[][] s = sigmaSquared(NoiseMode.UNIFORM, 3);
    double mq = 0;
    double mp = 0;
    for (double[] v : s) {
      mq += v[0] / B;
      mp += v[1] / B;
    }
    double cov = 0;
    double vq = 0;
    double vp = 0;
    for (double[] v : s) {
      cov += (v[0] - mq) * (v[1] - mp);
      vq += (v[0] - mq) * (v[0] - mq);
      vp += (v[1] - mp) * (v[1] - mp);
    }
    double corr = cov / Math.sqrt(vq * vp);
    System.out.printf("noise level correlation between query and patch tokens: %.3f%n", corr);
    assertTrue(corr > 0.9, "correlation " + corr);
  }

  @Test
  void zeroTauIsIdentityAndSeedingReproduces() {
    try (NDManager step = manager.newSubManager()) {
      NDArray z = step.randomNormal(new Shape(2, 3, 4));
      assertSame(z, NoiseAugmentation.apply(z, 0, NoiseMode.UNIFORM));
      Engine.getInstance().setRandomSeed(42);
      float[] a = NoiseAugmentation.apply(z, TAU, NoiseMode.UNIFORM).toFloatArray();
      Engine.getInstance().setRandomSeed(42);
      float[] b = NoiseAugmentation.apply(z, TAU, NoiseMode.UNIFORM).toFloatArray();
      assertArrayEquals(a, b);
    }
  }
}
