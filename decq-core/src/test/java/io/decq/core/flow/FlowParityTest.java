package io.decq.core.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.decq.core.config.FlowConfig;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The flow-matching pieces against RAE's {@code src/stage2/transport} ({@code golden/rae/transport}, see
 * the README's "Flow matching" section): times from the recorded uniform draws, the shift, the path, the
 * target, the per-sample loss and the Euler grids. Shift factors come from values.json (its {@code
 * shift_<g>x<g>x<C>_expr} entries name m), tensor sizes from the tensors.
 */
@Tag("parity")
class FlowParityTest {
  /**
   * README: ~3e-7 for a scalar float32 linspace (measured on a = sqrt(48)); a = sqrt(192) doubles the slope
   * of the shift near t = 0, which takes one linspace ulp to 3.3e-7.
   */
  static final double GRID_TOLERANCE = 4e-7;
  /** One float32 ulp in [0.5, 1). */
  static final double ULP_BELOW_1 = Math.ulp(0.5f);
  /** Truncated logit-normal t from U: float32 vs float64 differ by 3.95e-8 in the README; allow 1e-7. */
  static final double TIME_TOLERANCE = 1e-7;
  /** Elementwise float32 formulas reproduced operation for operation. */
  static final double EXACT = 0.0;

  static NDManager manager;
  static JsonObject values;
  static Map<String, HostTensor> io;

  @BeforeAll
  static void setUp() throws IOException {
    manager = NDManager.newBaseManager();
    Path dir = Path.of(System.getProperty("decq.golden.dir", "../src-test-data/golden"), "rae", "transport");
    values = JsonParser.parseString(Files.readString(dir.resolve("values.json"))).getAsJsonObject();
    io = SafeTensors.read(dir.resolve("io.safetensors"));
  }

  @AfterAll
  static void tearDown() {
    manager.close();
  }

  /** The ratio m / 4096 of every {@code shift_..._expr} entry ("math.sqrt(m / base)"), checked against its value. */
  static Map<Long, Double> shiftCases() {
    Pattern name = Pattern.compile("shift_(\\w+)_expr");
    Pattern expr = Pattern.compile("math\\.sqrt\\((\\d+) / (\\d+)\\)");
    Map<Long, Double> out = new TreeMap<>();
    for (Map.Entry<String, JsonElement> e : values.entrySet()) {
      Matcher n = name.matcher(e.getKey());
      if (!n.matches()) {
        continue;
      }
      Matcher x = expr.matcher(e.getValue().getAsString());
      assertTrue(x.matches(), e.getKey() + ": unexpected expression " + e.getValue());
      long m = Long.parseLong(x.group(1));
      assertEquals(TimeShift.BASE, Long.parseLong(x.group(2)), e.getKey() + ": shift base");
      double a = TimeShift.factor(m);
      assertEquals(values.get("shift_" + n.group(1)).getAsDouble(), a, 0.0, "sqrt(m / 4096) for " + e.getKey());
      out.put(m / TimeShift.BASE, a);
    }
    assertFalse(out.isEmpty(), "values.json names no shift case");
    return out;
  }

  @Test
  void shiftOfTheTabulatedTimes() {
    float[] tIn = io.get("shift_t_in").toFloats();
    for (Map.Entry<Long, Double> c : shiftCases().entrySet()) {
      float[] ours = TimeShift.apply(tIn, c.getValue());
      assertClose("shift_s" + c.getKey(), io.get("shift_s" + c.getKey()).toFloats(), ours, EXACT);
    }
  }

  /**
   * RAE's grid is {@code shift(1 - linspace(0, 0.999, points))}. Our scalar linspace is within one float32
   * ulp of torch's vectorised kernel (grid_s1); applied to torch's own unshifted grid, our shift gives the
   * shifted grids bit for bit; the whole grid then agrees to the last-bit linspace differences times the
   * slope of the shift (up to a = sqrt(m / 4096) near t = 0.02).
   */
  @Test
  void eulerGrids() {
    int points = Math.toIntExact(io.get("grid_s1").shape()[0]);
    assertEquals(values.getAsJsonObject("sampling").get("num_steps").getAsInt(), points, "grid points");
    float[] unshifted = io.get("grid_s1").toFloats();
    assertClose("grid_s1", unshifted, TimeGrid.rae(points, 1.0), ULP_BELOW_1);
    for (Map.Entry<Long, Double> c : shiftCases().entrySet()) {
      String key = "grid_s" + c.getKey();
      float[] expected = io.get(key).toFloats();
      assertClose(key + " (shift of RAE's grid_s1)", expected, TimeShift.apply(unshifted, c.getValue()), EXACT);
      assertClose(key, expected, TimeGrid.rae(points, c.getValue()), GRID_TOLERANCE);
    }
  }

  @Test
  void trainingTimesFromTheRecordedDraws() {
    JsonObject training = values.getAsJsonObject("training");
    assertEquals("logit-normal_0_1", training.get("time_dist_type").getAsString());
    assertEquals(TimeSampler.T_MAX, training.getAsJsonArray("t_interval").get(1).getAsFloat(), 0f);
    double a = training.get("time_dist_shift").getAsDouble();
    float[] u = io.get("logitnormal_u").toFloats();
    float[] raw = new float[u.length];
    for (int i = 0; i < u.length; i++) {
      raw[i] = TimeSampler.truncatedLogitNormal(u[i]);
    }
    assertClose("t_raw (logit-normal from U)", io.get("t_raw").toFloats(), raw, TIME_TOLERANCE);
    float[] t = new TimeSampler(FlowConfig.TimeDist.LOGIT_NORMAL, a).times(u);
    assertClose("t (shifted)", io.get("t").toFloats(), t, TIME_TOLERANCE);
    float[] uniform = new TimeSampler(FlowConfig.TimeDist.UNIFORM, a)
        .times(io.get("uniform_u").toFloats());
    assertClose("uniform_t", io.get("uniform_t").toFloats(), uniform, EXACT);
  }

  @Test
  void pathTargetAndLoss() {
    try (NDManager m = manager.newSubManager()) {
      NDArray x = io.get("x1").toNDArray(m); // (B, C, H, W) data
      NDArray eps = io.get("eps").toNDArray(m); // (B, C, H, W)
      NDArray t = io.get("t").toNDArray(m); // (B)
      assertClose("xt", io.get("xt").toFloats(), FlowPath.xt(x, eps, t).toFloatArray(), EXACT);
      NDArray ut = FlowPath.target(x, eps); // (B, C, H, W)
      assertClose("ut (target)", io.get("ut").toFloats(), ut.toFloatArray(), EXACT);

      // RAE's loss is the mean over (C, H, W); ours takes joint tokens (B, N, C) with Q = 0.
      NDArray pred = tokens(io.get("pred").toNDArray(m)); // (B, N, C)
      FlowLoss.Terms loss = FlowLoss.perSample(pred, tokens(ut), 0, 1.0);
      assertClose("loss (per sample, Q = 0)", io.get("loss").toFloats(), loss.total().toFloatArray(), 1e-6);
      assertArrayEquals(new float[(int) pred.getShape().get(0)], loss.queries().toFloatArray());
    }
  }

  /** (B, C, H, W) -> (B, H W, C). */
  static NDArray tokens(NDArray chw) {
    long[] s = chw.getShape().getShape();
    return chw.reshape(s[0], s[1], s[2] * s[3]).transpose(0, 2, 1);
  }

  static void assertClose(String what, float[] expected, float[] actual, double tol) {
    assertEquals(expected.length, actual.length, what + ": length");
    double max = 0;
    for (int i = 0; i < expected.length; i++) {
      max = Math.max(max, Math.abs((double) expected[i] - actual[i]));
    }
    System.out.printf(Locale.ROOT, "%-32s max|diff| %.3g (bound %.1g)%n", what, max, tol);
    assertTrue(max <= tol, what + ": max |diff| " + max + " > " + tol);
  }
}
