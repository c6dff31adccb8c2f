package io.decq.core.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Sample i's noise depends on its own seed only, and is standard normal. */
class SampleNoiseTest {

  @Test
  void aSamplesNoiseDoesNotDependOnItsBatch() {
    Shape per = new Shape(3, 5);
    try (NDManager m = NDManager.newBaseManager()) {
      float[] batch = SampleNoise.normal(m, per, 11, 22, 33).toFloatArray();
      float[] alone = SampleNoise.normal(m, per, 22).toFloatArray();
      assertArrayEquals(alone, Arrays.copyOfRange(batch, 15, 30));
      assertArrayEquals(new long[] {3, 3, 5}, SampleNoise.normal(m, per, 11, 22, 33).getShape().getShape());
      assertFalse(Arrays.equals(Arrays.copyOfRange(batch, 0, 15), alone));
    }
  }

  @Test
  void valuesAreStandardNormal() {
    float[] v = new float[200_001];
    SampleNoise.fill(v, 0, v.length, 7);
    double sum = 0;
    double sq = 0;
    int beyond2 = 0;
    for (float x : v) {
      sum += x;
      sq += x * x;
      beyond2 += Math.abs(x) > 2 ? 1 : 0;
    }
    double mean = sum / v.length;
    assertEquals(0, mean, 0.01);
    assertEquals(1, sq / v.length - mean * mean, 0.01);
    // P(|Z| > 2) = 2 Phi(-2) = 0.0455
    assertEquals(2 * StandardNormal.cdf(-2), beyond2 / (double) v.length, 0.002);
  }
}
