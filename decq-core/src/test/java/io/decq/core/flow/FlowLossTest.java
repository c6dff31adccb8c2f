package io.decq.core.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** The joint loss on hand-made errors: queries first, each term its own mean. */
class FlowLossTest {

  @Test
  void patchAndQueryTermsAreSeparateMeans() {
    try (NDManager m = NDManager.newBaseManager()) {
      // B = 2, Q = 1, N = 2, C = 2; errors chosen per token so each mean is easy to write down.
      float[] err = {
        3, 3, /* query */ 1, 1, 2, 2, // sample 0: query sq 9, patch sq 1 and 4 -> 2.5
        0, 2, /* query */ 1, 0, 0, 1  // sample 1: query sq (0 + 4) / 2 = 2, patch sq 2 / 4 = 0.5
      };
      NDArray target = m.randomNormal(new Shape(2, 3, 2));
      NDArray pred = target.add(m.create(err, new Shape(2, 3, 2)));
      FlowLoss.Terms terms = FlowLoss.perSample(pred, target, 1, 0.5);
      assertArrayEquals(new float[] {2.5f, 0.5f}, terms.patches().toFloatArray(), 1e-5f);
      assertArrayEquals(new float[] {9f, 2f}, terms.queries().toFloatArray(), 1e-5f);
      assertArrayEquals(new float[] {2.5f + 4.5f, 0.5f + 1f}, terms.total().toFloatArray(), 1e-5f);

      FlowLoss.Terms noQueries = FlowLoss.perSample(pred, target, 0, 1.0);
      assertArrayEquals(new float[] {(9 + 9 + 1 + 1 + 4 + 4) / 6f, (4 + 1 + 1) / 6f},
          noQueries.total().toFloatArray(), 1e-5f);
      assertArrayEquals(new float[] {0f, 0f}, noQueries.queries().toFloatArray());
      assertArrayEquals(noQueries.patches().toFloatArray(), noQueries.total().toFloatArray());
    }
  }

  @Test
  void rejectsBadShapes() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = m.zeros(new Shape(2, 3, 4));
      assertThrows(IllegalArgumentException.class, () -> FlowLoss.perSample(a, m.zeros(new Shape(2, 3, 5)), 1, 1));
      assertThrows(IllegalArgumentException.class, () -> FlowLoss.perSample(a, a, 3, 1));
    }
  }
}
