package io.decq.core.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** Pins the time convention of {@link FlowPath}: t = 0 data, t = 1 noise, target eps - x. */
class FlowPathTest {

  @Test
  void zeroIsDataOneIsNoiseAndTheTargetIsTheVelocity() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.create(new float[] {1f, 2f, 3f, 4f, -1f, -2f, 0.5f, 0.25f}, new Shape(2, 2, 2));
      NDArray eps = m.create(new float[] {0.5f, -0.5f, 1f, 0f, 2f, 1f, -3f, 0.75f}, new Shape(2, 2, 2));
      // Sample 0 at t = 0 is its data, sample 1 at t = 1 is its noise.
      float[] ends = FlowPath.xt(x, eps, m.create(new float[] {0f, 1f})).toFloatArray();
      float[] xs = x.toFloatArray();
      float[] es = eps.toFloatArray();
      for (int i = 0; i < 4; i++) {
        assertEquals(xs[i], ends[i], 0f);
        assertEquals(es[4 + i], ends[4 + i], 0f);
      }
      // One time per sample, broadcast: x_t = (1 - t) x + t eps.
      float[] mid = FlowPath.xt(x, eps, m.create(new float[] {0.25f, 0.75f})).toFloatArray();
      for (int i = 0; i < 8; i++) {
        float t = i < 4 ? 0.25f : 0.75f;
        assertEquals((1 - t) * xs[i] + t * es[i], mid[i], 1e-7);
      }
      // d x_t / d t = eps - x: the path is a straight line from data to noise.
      NDArray target = FlowPath.target(x, eps);
      NDArray a = FlowPath.xt(x, eps, m.create(new float[] {0.5f, 0.5f}));
      NDArray b = FlowPath.xt(x, eps, m.create(new float[] {0.625f, 0.625f}));
      float[] slope = b.sub(a).div(0.125f).toFloatArray();
      float[] v = target.toFloatArray();
      for (int i = 0; i < 8; i++) {
        assertEquals(es[i] - xs[i], v[i], 0f);
        assertEquals(v[i], slope[i], 1e-5);
      }
      assertArrayEquals(x.getShape().getShape(), target.getShape().getShape());
    }
  }

  @Test
  void timeMustBeOnePerSample() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.zeros(new Shape(2, 3));
      assertThrows(IllegalArgumentException.class, () -> FlowPath.xt(x, x, m.zeros(new Shape(3))));
      assertThrows(IllegalArgumentException.class, () -> FlowPath.xt(x, x, m.zeros(new Shape(2, 1))));
    }
  }
}
