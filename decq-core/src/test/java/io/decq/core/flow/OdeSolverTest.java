package io.decq.core.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.decq.core.config.FlowConfig;
import io.decq.core.nn.NativeMemory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The solvers on velocity fields whose flow is known in closed form (as facebookresearch/flow_matching
 * tests its solvers): the error at the end of the grid must shrink with the solver's order when the step
 * is halved (Euler O(h): ratio ~2; Heun O(h^2): ratio ~4).
 */
class OdeSolverTest {
  static NDManager manager;

  @BeforeAll
  static void setUp() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void tearDown() {
    manager.close();
  }

  /** v(x, t) = a x: x(t1) = x(t0) exp(a (t1 - t0)). */
  static final float A = 1.5f;

  static final VelocityModel LINEAR_IN_X = (x, t, y) -> x.mul(A);

  /** n + 1 evenly spaced times from 1 down to 0 (noise to data, as sampling runs). */
  static float[] grid(int steps) {
    float[] g = new float[steps + 1];
    for (int i = 0; i <= steps; i++) {
      g[i] = 1f - (float) i / steps;
    }
    return g;
  }

  /** max |x(0) - exact| for v = a x from x(1) = x0, the exact flow x0 exp(-a). */
  static double endError(OdeSolver solver, int steps) {
    float[] x0 = {1f, -0.5f, 2f};
    try (NDManager m = manager.newSubManager()) {
      NDArray x = m.create(x0).reshape(3, 1);
      NDArray y = m.zeros(new Shape(3), DataType.INT64);
      float[] got = solver.integrate(LINEAR_IN_X, x, grid(steps), y).toFloatArray();
      double max = 0;
      for (int i = 0; i < x0.length; i++) {
        max = Math.max(max, Math.abs(got[i] - x0[i] * Math.exp(-A)));
      }
      return max;
    }
  }

  static double convergenceRatio(OdeSolver solver, int steps) {
    double coarse = endError(solver, steps);
    double fine = endError(solver, 2 * steps);
    System.out.printf(Locale.ROOT, "%s: error %.3g at %d steps, %.3g at %d steps, ratio %.3f%n",
        solver.getClass().getSimpleName(), coarse, steps, fine, 2 * steps, coarse / fine);
    return coarse / fine;
  }

  @Test
  void eulerIsFirstOrder() {
    double ratio = convergenceRatio(new OdeSolver.Euler(), 20);
    assertEquals(2.0, ratio, 0.15);
    assertTrue(endError(new OdeSolver.Euler(), 40) < 0.02);
  }

  @Test
  void heunIsSecondOrder() {
    double ratio = convergenceRatio(new OdeSolver.Heun(), 10);
    assertEquals(4.0, ratio, 0.3);
    assertTrue(endError(new OdeSolver.Heun(), 20) < 1e-3);
  }

  /** v = b + c t: x(0) = x(1) - b - c/2. Heun (the trapezoid rule) is exact; Euler is off by c h / 2. */
  @Test
  void heunIsExactOnAFieldLinearInTime() {
    float b = 0.3f;
    float c = -2f;
    VelocityModel v = (x, t, y) -> t.mul(c).add(b).reshape(-1, 1).broadcast(x.getShape());
    int steps = 8;
    try (NDManager m = manager.newSubManager()) {
      NDArray x0 = m.create(new float[] {0.25f, -1f}).reshape(2, 1);
      NDArray y = m.zeros(new Shape(2), DataType.INT64);
      float[] heun = new OdeSolver.Heun().integrate(v, x0, grid(steps), y).toFloatArray();
      float[] euler = new OdeSolver.Euler().integrate(v, x0, grid(steps), y).toFloatArray();
      double h = 1.0 / steps;
      for (int i = 0; i < 2; i++) {
        double exact = x0.getFloat(i, 0) - b - c / 2.0;
        assertEquals(exact, heun[i], 1e-6, "Heun, sample " + i);
        // Euler evaluates each step at its start t_i, the upper end going down: error -c h / 2 in total.
        assertEquals(exact - c * h / 2, euler[i], 1e-6, "Euler, sample " + i);
      }
    }
  }

  /** The model sees t as a (B) float32 tensor of the grid time; Euler makes the documented update. */
  @Test
  void eulerStepsOnTheGridWithPerSampleTimes() {
    float[] grid = TimeGrid.rae(6, 2.0);
    List<float[]> seenTimes = new ArrayList<>();
    VelocityModel v = (x, t, y) -> {
      assertEquals(new Shape(x.getShape().get(0)), t.getShape());
      assertEquals(DataType.FLOAT32, t.getDataType());
      seenTimes.add(t.toFloatArray());
      return x.mul(-1f).add(t.reshape(-1, 1));
    };
    try (NDManager m = manager.newSubManager()) {
      NDArray x0 = m.create(new float[] {0.5f, -2f}).reshape(2, 1);
      NDArray y = m.create(new long[] {3, 4});
      List<float[]> states = new ArrayList<>();
      NDArray out = new OdeSolver.Euler().integrate(v, x0, grid, y, (i, t, x) -> {
        assertEquals(grid[i], t);
        states.add(x.toFloatArray());
      });
      assertEquals(grid.length - 1, seenTimes.size());
      assertEquals(grid.length, states.size());
      float[] x = {0.5f, -2f};
      for (int i = 0; i + 1 < grid.length; i++) {
        assertArrayEquals(new float[] {grid[i], grid[i]}, seenTimes.get(i));
        assertArrayEquals(x, states.get(i));
        float dt = grid[i + 1] - grid[i];
        for (int k = 0; k < 2; k++) {
          x[k] = x[k] + (x[k] * -1f + grid[i]) * dt;
        }
      }
      assertArrayEquals(x, out.toFloatArray());
      assertArrayEquals(x, states.get(grid.length - 1));
      assertArrayEquals(new float[] {0.5f, -2f}, x0.toFloatArray(), "x0 is left unchanged");
    }
  }

  @Test
  void evaluationCounts() {
    int[] calls = {0};
    VelocityModel v = (x, t, y) -> {
      calls[0]++;
      return x.zerosLike();
    };
    try (NDManager m = manager.newSubManager()) {
      NDArray x0 = m.ones(new Shape(1, 2));
      NDArray y = m.zeros(new Shape(1), DataType.INT64);
      for (FlowConfig.Sampler s : FlowConfig.Sampler.values()) {
        OdeSolver solver = OdeSolver.of(s);
        calls[0] = 0;
        solver.integrate(v, x0, TimeGrid.rae(50, 1.0), y);
        assertEquals(solver.evaluations(50), calls[0], s.toString());
      }
      assertEquals(49, OdeSolver.of(FlowConfig.Sampler.EULER).evaluations(50));
      assertEquals(98, OdeSolver.of(FlowConfig.Sampler.HEUN).evaluations(50));
    }
  }

  /** Temporaries of every step are freed, including those a model leaves in its own manager. */
  @Test
  void nativeMemoryIsFlatOverSteps() {
    try (NDManager model = manager.newSubManager(); NDManager m = manager.newSubManager()) {
      NDArray weight = model.create(0.5f);
      VelocityModel v = (x, t, y) -> weight.mul(x).add(t.reshape(-1, 1, 1)); // result lands in `model`
      NDArray x0 = m.ones(new Shape(2, 3, 4));
      NDArray y = m.zeros(new Shape(2), DataType.INT64);
      for (FlowConfig.Sampler s : FlowConfig.Sampler.values()) {
        int before = NativeMemory.liveArrays();
        List<Integer> during = new ArrayList<>();
        NDArray out = OdeSolver.of(s).integrate(v, x0, grid(200), y, (i, t, x) -> during.add(NativeMemory.liveArrays()));
        assertEquals(before + 1, NativeMemory.liveArrays(), s + ": only the result stays");
        assertEquals(1, during.stream().skip(1).distinct().count(), s + ": live arrays per step " + during.subList(0, 5));
        out.close();
      }
    }
  }
}
