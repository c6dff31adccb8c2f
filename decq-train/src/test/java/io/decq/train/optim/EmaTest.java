package io.decq.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.decq.core.nn.NoGrad;
import io.decq.train.Tensors;
import java.util.Map;
import org.junit.jupiter.api.Test;

@SuppressWarnings("try") // NoGrad and NDScope regions are opened for their effect, not used in the body
class EmaTest {

  /** Sets the parameter's values in place, as an optimizer step would. */
  private static void assign(Parameter p, float... values) {
    try (NoGrad ng = NoGrad.enter(); NDArray v = p.getArray().getManager().create(values)) {
      Tensors.copyInto(p.getArray(), v);
    }
  }

  @Test
  void averageFollowsTheClosedForm() {
    try (NDManager m = NDManager.newBaseManager()) {
      Parameter p = TestParams.param(m, "w", new float[] {1f, -2f}, 2);
      double d = 0.9;
      try (Ema ema = new Ema(Map.of("w", p), d, m)) {
        assertArrayEquals(new float[] {1f, -2f}, ema.weights().get("w").toFloatArray(), "starts at the weights");
        // weights jump to c and stay: ema_n = c + (e0 - c) d^n
        assign(p, 3f, 5f);
        int n = 25;
        for (int i = 0; i < n; i++) {
          ema.update();
        }
        float[] e = ema.weights().get("w").toFloatArray();
        assertEquals(3 + (1 - 3) * Math.pow(d, n), e[0], 1e-5);
        assertEquals(5 + (-2 - 5) * Math.pow(d, n), e[1], 1e-5);
      }
    }
  }

  @Test
  void averageOfAChangingSequenceMatchesTheRecurrence() {
    try (NDManager m = NDManager.newBaseManager()) {
      Parameter p = TestParams.param(m, "w", new float[] {0f}, 1);
      double d = 0.75;
      double want = 0;
      try (Ema ema = new Ema(Map.of("w", p), d, m)) {
        for (int i = 1; i <= 6; i++) {
          float w = i * i;
          assign(p, w);
          ema.update();
          want = d * want + (1 - d) * w;
        }
        assertEquals(want, ema.weights().get("w").toFloatArray()[0], 1e-5);
      }
    }
  }

  @Test
  void swapPutsTheAverageInAndTheWeightsBackBitwise() {
    try (NDManager m = NDManager.newBaseManager()) {
      Parameter p = TestParams.param(m, "w", new float[] {1f, 2f, -0.0f}, 3);
      try (Ema ema = new Ema(Map.of("w", p), 0.5, m)) {
        assign(p, 3f, 4f, 7f);
        ema.update();
        byte[] before = p.getArray().toByteArray();
        float[] inside = ema.withAveragedWeights(() -> p.getArray().toFloatArray());
        assertArrayEquals(new float[] {2f, 3f, 3.5f}, inside);
        assertArrayEquals(before, p.getArray().toByteArray());
        assertArrayEquals(new float[] {2f, 3f, 3.5f}, ema.weights().get("w").toFloatArray());
      }
    }
  }
}
