package io.decq.core.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Guidance with fake models whose outputs are known: constants per label, and counted calls. */
class GuidanceTest {
  static final long NULL = 10;
  static NDManager manager;

  @BeforeAll
  static void setUp() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void tearDown() {
    manager.close();
  }

  /** A model that outputs `cond` for real labels and `uncond` for the null label, recording each batch. */
  static final class Fake implements VelocityModel {
    final float cond;
    final float uncond;
    final List<long[]> labels = new ArrayList<>();

    Fake(float cond, float uncond) {
      this.cond = cond;
      this.uncond = uncond;
    }

    @Override
    public NDArray velocity(NDArray x, NDArray t, NDArray y) {
      long[] ys = y.toLongArray();
      labels.add(ys);
      assertEquals(x.getShape().get(0), ys.length);
      assertEquals(x.getShape().get(0), t.getShape().get(0));
      float[] out = new float[(int) x.size()];
      int per = out.length / ys.length;
      for (int i = 0; i < out.length; i++) {
        out[i] = ys[i / per] == NULL ? uncond : cond;
      }
      return x.getManager().create(out, x.getShape());
    }
  }

  static float[] run(VelocityModel v, float... times) {
    try (NDManager m = manager.newSubManager()) {
      NDArray x = m.zeros(new Shape(times.length, 2, 3));
      NDArray t = m.create(times);
      NDArray y = m.arange(0, times.length).toType(DataType.INT64, false);
      return v.velocity(x, t, y).toFloatArray();
    }
  }

  static float[] expected(int per, float... perSample) {
    float[] out = new float[per * perSample.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = perSample[i / per];
    }
    return out;
  }

  @Test
  void classifierFreeBatchesBothBranchesInOnePass() {
    Fake model = new Fake(3f, 1f);
    float w = 4f;
    float[] out = run(Guidance.classifierFree(model, NULL, w, 0.0, 1.0), 0.2f, 0.9f);
    assertEquals(1, model.labels.size(), "one model pass");
    assertArrayEquals(new long[] {0, 1, NULL, NULL}, model.labels.get(0), "[y; null] in one batch of 2B");
    float guided = 1f + w * (3f - 1f);
    assertArrayEquals(expected(6, guided, guided), out);
  }

  @Test
  void outsideTheIntervalTheConditionalVelocity() {
    Fake model = new Fake(3f, 1f);
    float w = 2.5f;
    float guided = 1f + w * (3f - 1f);
    float[] out = run(Guidance.classifierFree(model, NULL, w, 0.0, 0.5), 0.2f, 0.7f, 0.5f, 0.0f);
    assertArrayEquals(expected(6, guided, 3f, guided, guided), out, "closed interval [0, 0.5]");

    Fake none = new Fake(3f, 1f);
    float[] outside = run(Guidance.classifierFree(none, NULL, w, 0.0, 0.5), 0.8f, 0.9f);
    assertArrayEquals(expected(6, 3f, 3f), outside);
    assertArrayEquals(new long[] {0, 1, NULL, NULL}, none.labels.get(0), "the interval is a mask: one pass of 2B");
  }

  @Test
  void autoGuidanceGivesTheGuideTheSameLabels() {
    Fake main = new Fake(2f, -100f);
    Fake guide = new Fake(0.5f, -100f);
    float w = 1.5f;
    float[] out = run(Guidance.autoGuidance(main, guide, w, 0.3, 1.0), 0.5f, 0.1f);
    assertArrayEquals(expected(6, 0.5f + w * (2f - 0.5f), 2f), out);
    assertArrayEquals(new long[] {0, 1}, main.labels.get(0));
    assertArrayEquals(new long[] {0, 1}, guide.labels.get(0));
  }

  @Test
  void scaleOneIsNoGuidanceExactly() {
    try (NDManager m = manager.newSubManager()) {
      NDArray x = m.randomNormal(new Shape(2, 4));
      NDArray t = m.create(new float[] {0.3f, 0.6f});
      NDArray y = m.create(new long[] {1, 2});
      NDArray[] returned = new NDArray[1];
      int[] calls = {0};
      VelocityModel model = (xx, tt, yy) -> {
        calls[0]++;
        returned[0] = xx.mul(1.7f);
        return returned[0];
      };
      VelocityModel guide = (xx, tt, yy) -> {
        throw new AssertionError("the guide must not run at w = 1");
      };
      NDArray cfg = Guidance.classifierFree(model, NULL, 1.0, 0.0, 1.0).velocity(x, t, y);
      assertSame(returned[0], cfg, "the main output itself");
      NDArray ag = Guidance.autoGuidance(model, guide, 1.0, 0.0, 1.0).velocity(x, t, y);
      assertSame(returned[0], ag);
      assertEquals(2, calls[0], "one pass each, batch B");
    }
  }
}
