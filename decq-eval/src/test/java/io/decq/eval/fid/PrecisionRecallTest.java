package io.decq.eval.fid;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.decq.core.error.BadInputException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The k = 3 manifold estimator on points of a line (embedded in 4-D), where balls and memberships follow
 * by hand. Reference: x = 0..9, squared radii 9 at both ends and 4 inside. Samples: x = 0..3 (radii 9, 4,
 * 4, 9) and a far group x = 30..33. Precision = 4/8 (the far group lies outside every reference ball);
 * recall = 7/10 (reference points 0..6 lie in the ball of sample 3, radius 3, or of samples 0..2).
 */
class PrecisionRecallTest {
  private static NDManager manager;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  private static float[] points(float scale, float... xs) {
    float[] out = new float[xs.length * 4];
    for (int i = 0; i < xs.length; i++) {
      out[i * 4] = xs[i] * scale;
      out[i * 4 + 1] = scale;
      out[i * 4 + 2] = -scale;
      out[i * 4 + 3] = 2 * scale;
    }
    return out;
  }

  private static final float[] REF = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  private static final float[] SAMPLES = {0, 1, 2, 3, 30, 31, 32, 33};

  @Test
  void radiiAreTheSquaredThirdNeighbourDistances() {
    try (NDManager m = manager.newSubManager()) {
      NDArray ref = m.create(points(1, REF), new Shape(REF.length, 4));
      float[] want = {9, 4, 4, 4, 4, 4, 4, 4, 4, 9};
      assertArrayEquals(want, PrecisionRecall.radii(ref, true), 0f);
      assertArrayEquals(want, PrecisionRecall.radii(ref, false), 0f);
    }
  }

  @Test
  void precisionAndRecallFollowTheBalls() {
    for (boolean half : new boolean[] {true, false}) {
      PrecisionRecall.Result r = PrecisionRecall.compute(manager, points(1, REF), REF.length, points(1, SAMPLES),
          SAMPLES.length, 4, half);
      assertEquals(0.5, r.precision(), 0, "precision, half = " + half);
      assertEquals(0.7, r.recall(), 1e-15, "recall, half = " + half);
    }
  }

  /** Features of size ~3000 overflow float16 (|u|^2 ~ 1e7): the block falls back to float32, as ADM's graph. */
  @Test
  void float16OverflowFallsBackToFloat32() {
    PrecisionRecall.Result r = PrecisionRecall.compute(manager, points(100, REF), REF.length, points(100, SAMPLES),
        SAMPLES.length, 4, true);
    assertEquals(0.5, r.precision(), 0);
    assertEquals(0.7, r.recall(), 1e-15);
  }

  @Test
  void tooFewPointsIsBadInput() {
    BadInputException e = assertThrows(BadInputException.class,
        () -> PrecisionRecall.compute(manager, points(1, 0, 1, 2), 3, points(1, SAMPLES), SAMPLES.length, 4, true));
    assertTrue(e.getMessage().contains("more than 3"), e.getMessage());
  }
}
