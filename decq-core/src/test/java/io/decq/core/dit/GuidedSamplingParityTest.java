package io.decq.core.dit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.decq.core.config.FlowConfig;
import io.decq.core.flow.Guidance;
import io.decq.core.flow.OdeSolver;
import io.decq.core.flow.TimeGrid;
import io.decq.core.flow.VelocityModel;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import io.decq.core.latent.LatentLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The flow package's guidance and Euler solver driving our DiT-DH, against RAE's {@code forward_with_cfg},
 * {@code forward_with_autoguidance} ({@code golden/rae/dit}) and its 49-step Euler trajectories with and
 * without CFG ({@code golden/rae/transport}). Scales, intervals, the null class and the shift come from the
 * case's {@code meta.json} / {@code values.json}; sizes from the configs and tensor shapes.
 */
@Tag("parity")
class GuidedSamplingParityTest {
  /** README: CFG outputs "a few 1e-4" (guidance multiplies differences); forward ~1e-4. */
  static final double GUIDED_TOLERANCE = 5e-4;
  /** The 49-step trajectories: f32 vs f64 gap 1.8e-6 on outputs of scale 5; other summation orders add up. */
  static final double TRAJECTORY_TOLERANCE = 5e-4;

  static NDManager manager;
  static Path dit;
  static Map<String, HostTensor> io;
  static Map<String, HostTensor> transport;
  static JsonObject meta;
  static JsonObject sampling;

  @BeforeAll
  static void setUp() throws Exception {
    manager = NDManager.newBaseManager();
    Path golden = Path.of(System.getProperty("decq.golden.dir", "../src-test-data/golden"), "rae");
    dit = golden.resolve("dit");
    io = SafeTensors.read(dit.resolve("io.safetensors"));
    transport = SafeTensors.read(golden.resolve("transport").resolve("io.safetensors"));
    meta = JsonParser.parseString(Files.readString(dit.resolve("meta.json"))).getAsJsonObject();
    sampling = JsonParser.parseString(Files.readString(golden.resolve("transport").resolve("values.json")))
        .getAsJsonObject().getAsJsonObject("sampling");
  }

  @AfterAll
  static void tearDown() {
    manager.close();
  }

  static DitDH model(String config, String weights) {
    DitDH m = new DitDH(DitArchitecture.fromRaeConfig(dit.resolve(config), 0));
    m.materialize(manager, 0);
    m.loadWeights(dit.resolve(weights));
    return m;
  }

  static NDArray array(NDManager m, Map<String, HostTensor> file, String name) {
    HostTensor t = file.get(name);
    return t.dtype().isFloating() ? m.create(t.toFloats(), new Shape(t.shape())) : m.create(t.toLongs(), new Shape(t.shape()));
  }

  /** A velocity model on RAE's 2-D latents (B, C, g, g), for comparing with RAE's tensors directly. */
  static VelocityModel onGrid(VelocityModel tokens, LatentLayout layout) {
    return (x, t, y) -> layout.toGrid(tokens.velocity(layout.fromGrid(x), t, y));
  }

  static double[] interval(String key) {
    JsonArray a = meta.getAsJsonArray(key);
    return new double[] {a.get(0).getAsDouble(), a.get(1).getAsDouble()};
  }

  @Test
  void classifierFreeGuidanceMatchesForwardWithCfg() {
    DitDH m = model("config.json", "state_dict.safetensors");
    long nullClass = meta.get("null_class").getAsLong();
    assertEquals(m.nullClass(), nullClass);
    try (NDManager s = manager.newSubManager()) {
      NDArray x = array(s, io, "cfg_x"); // (2n, C, g, g): [xc; xc]
      NDArray t = array(s, io, "cfg_t");
      NDArray y = array(s, io, "cfg_y"); // [labels; nulls]
      long n = x.getShape().get(0) / 2;
      NDArray xc = x.get("0:" + n);
      NDArray tc = t.get("0:" + n);
      NDArray yc = y.get("0:" + n);
      double scale = meta.get("cfg_scale").getAsDouble();
      for (String[] c : new String[][] {{"cfg_out", "cfg_interval"}, {"cfg_out_interval", "cfg_interval2"}}) {
        double[] iv = interval(c[1]);
        VelocityModel g = Guidance.classifierFree(onGrid(m, m.layout()), nullClass, scale, iv[0], iv[1]);
        NDArray guided = g.velocity(xc, tc, yc); // (n, C, g, g)
        // RAE returns cat([guided, guided]) for its doubled batch
        DitParityTest.assertClose(c[0], io.get(c[0]), guided.concat(guided, 0), GUIDED_TOLERANCE);
      }
    }
  }

  @Test
  void autoGuidanceMatchesForwardWithAutoguidance() {
    DitDH main = model("config.json", "state_dict.safetensors");
    DitDH guide = model("guide_config.json", "guide_checkpoint_train_format.pt");
    double[] iv = interval("ag_interval");
    try (NDManager s = manager.newSubManager()) {
      VelocityModel g = Guidance.autoGuidance(onGrid(main, main.layout()), onGrid(guide, guide.layout()),
          meta.get("ag_scale").getAsDouble(), iv[0], iv[1]);
      NDArray out = g.velocity(array(s, io, "x"), array(s, io, "t"), array(s, io, "y"));
      DitParityTest.assertClose("ag_out", io.get("ag_out"), out, GUIDED_TOLERANCE);
    }
  }

  @Test
  void eulerTrajectoriesMatchRaesSampler() {
    DitDH m = model("config.json", "state_dict.safetensors");
    VelocityModel v = onGrid(m, m.layout());
    int points = (int) transport.get("sample_traj").shape()[0];
    assertEquals(sampling.get("num_steps").getAsInt(), points);
    float[] grid = TimeGrid.rae(points, sampling.get("time_dist_shift").getAsDouble());
    OdeSolver euler = OdeSolver.of(FlowConfig.Sampler.EULER);
    try (NDManager s = manager.newSubManager()) {
      NDArray[] traj = new NDArray[points];
      NDArray z = array(s, transport, "sample_z");
      euler.integrate(v, z, grid, array(s, transport, "sample_y"), (i, t, x) -> traj[i] = x.duplicate());
      DitParityTest.assertClose("sample_traj", transport.get("sample_traj"), NDArrays.stack(new NDList(traj)), TRAJECTORY_TOLERANCE);

      NDArray zc = array(s, transport, "sample_cfg_z"); // [z; z]
      NDArray yc = array(s, transport, "sample_cfg_y"); // [labels; nulls]
      long n = zc.getShape().get(0) / 2;
      JsonArray iv = sampling.getAsJsonArray("cfg_interval");
      VelocityModel cfg = Guidance.classifierFree(v, sampling.get("null_class").getAsLong(),
          sampling.get("cfg_scale").getAsDouble(), iv.get(0).getAsDouble(), iv.get(1).getAsDouble());
      NDArray[] cfgTraj = new NDArray[points];
      euler.integrate(cfg, zc.get("0:" + n), grid, yc.get("0:" + n), (i, t, x) -> cfgTraj[i] = x.concat(x, 0));
      DitParityTest.assertClose("sample_cfg_traj", transport.get("sample_cfg_traj"), NDArrays.stack(new NDList(cfgTraj)),
          TRAJECTORY_TOLERANCE);
    }
  }
}
