package io.decq.core.rae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.decq.core.config.ConfigLoader;
import io.decq.core.config.DecoderConfig;
import io.decq.core.config.DecoderPreset;
import io.decq.core.config.DecqConfig;
import io.decq.core.config.EncoderConfig;
import io.decq.core.config.NoiseMode;
import io.decq.core.config.QueriesConfig;
import io.decq.core.encoder.FrozenEncoder;
import io.decq.core.encoder.HfVisionConfig;
import io.decq.core.error.BadInputException;
import io.decq.core.image.Images;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The autoencoder composed with a real frozen encoder: the tiny golden DINOv2-with-registers (12 blocks,
 * width 64, 4 registers) and its two 256 px test images. Checks the wiring against the golden encoder
 * tensors (HF transformers + RAE's glue): the patch part of the joint latent is RAE's latent, the query
 * part is what the condensers make of HF's hidden states at the configured taps.
 */
class EncoderCompositionTest {
  /** The encoder README's end-to-end bound from the PNGs (the float32 bicubic resize dominates). */
  static final double LATENT_TOLERANCE = 3e-4;

  static FrozenEncoder encoder;
  static Map<String, HostTensor> expected;
  static NDManager manager;

  @BeforeAll
  static void setUp() {
    Path golden = Path.of(System.getProperty("decq.golden.dir"));
    encoder = FrozenEncoder.fromWeights(HfVisionConfig.read(golden.resolve("dinov2_reg_config.json")),
        SafeTensors.read(golden.resolve("dinov2_reg_model.safetensors")), "golden dinov2", EncoderConfig.defaults(),
        Device.cpu());
    expected = SafeTensors.read(golden.resolve("dinov2_reg_expected.safetensors"));
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void tearDown() {
    manager.close();
    encoder.close();
  }

  static NDArray images(NDManager m) {
    Path golden = Path.of(System.getProperty("decq.golden.dir"));
    return Images.toNCHW(m, List.of(Images.read(golden.resolve("dinov2_input0.png")), Images.read(golden.resolve("dinov2_input1.png"))));
  }

  static DecqAutoencoder model(int queries) {
    QueriesConfig q = new QueriesConfig(queries, queries == 0 ? List.of() : List.of(0, 3, 6, 9), false, 4, 4.0);
    DecoderConfig d = new DecoderConfig(DecoderPreset.TINY, 16, 0.8, NoiseMode.UNIFORM, 0.0, null);
    DecqAutoencoder m = new DecqAutoencoder(encoder, q, d);
    m.materialize(manager, 3);
    return m;
  }

  @Test
  void encoderGeometryAndPixelStatisticsComeFromTheEncoder() {
    DecqAutoencoder.EncoderInfo info = DecqAutoencoder.EncoderInfo.of(encoder);
    assertEquals(encoder.width(), info.width());
    assertEquals(encoder.depth(), info.depth());
    assertEquals(encoder.prefixTokens(), info.prefixTokens());
    assertEquals(encoder.patchTokens(), info.patchTokens());
    assertArrayEquals(DecqAutoencoder.EncoderInfo.IMAGENET_MEAN, info.imageMean());
    assertEquals(encoder.imageSize(), model(8).imageSize());
  }

  @Test
  void jointLatentIsRaesLatentPlusQueriesFromTheTappedHiddenStates() {
    DecqAutoencoder m = model(8);
    try (NDManager step = manager.newSubManager()) {
      NDArray joint = m.encode(images(step)); // (B, Q + T, C)
      assertEquals(new Shape(2, 8 + encoder.patchTokens(), encoder.width()), joint.getShape());
      // Fresh statistics (mean 0, var 1): the normalised latent is the raw one / sqrt(1 + eps).
      float scale = (float) Math.sqrt(1 + LatentNorm.EPS);
      HostTensor rae = expected.get("rae_latent");
      double dp = maxAbsDiff(m.patchesOf(joint).mul(scale).toFloatArray(), rae.toFloats());
      Map<Integer, NDArray> hidden = new LinkedHashMap<>();
      for (int tap : m.taps()) {
        hidden.put(tap, expected.get("hidden_states." + tap).toNDArray(step));
      }
      NDArray fromGolden = m.encodeFeatures(rae.toNDArray(step), hidden);
      double dq = maxAbsDiff(m.queriesOf(joint).toFloatArray(), m.queriesOf(fromGolden).toFloatArray());
      System.out.printf("composition: patch latent vs RAE max abs diff %.3g, queries vs golden hidden states %.3g%n", dp, dq);
      assertTrue(dp < LATENT_TOLERANCE, "patch latent max abs diff " + dp);
      assertTrue(dq < 10 * LATENT_TOLERANCE, "query latent max abs diff " + dq);
      NDArray image = m.decode(joint);
      assertEquals(new Shape(2, 3, encoder.imageSize(), encoder.imageSize()), image.getShape());
    }
  }

  @Test
  void trainingGradientsReachTheAutoencoderNeverTheEncoder() {
    DecqAutoencoder m = model(8);
    Map<String, float[]> before = new LinkedHashMap<>();
    encoder.tower().stateDict().forEach((k, v) -> before.put(k, v.toFloats()));
    try (NDManager step = manager.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray images = images(step);
      NDArray target = images.toType(DataType.FLOAT32, false).div(255f);
      NDArray recon = m.reconstructTraining(images);
      gc.backward(recon.sub(target).abs().mean());
      for (Map.Entry<String, Parameter> e : m.trainableParameters().entrySet()) {
        NDArray g = e.getValue().getArray().getGradient();
        assertTrue(g.abs().sum().getFloat() > 0, "no gradient reached " + e.getKey());
        g.subi(g);
        g.close();
      }
    }
    for (Map.Entry<String, Parameter> e : encoder.tower().namedParameters().entrySet()) {
      assertTrue(!e.getValue().getArray().hasGradient(), "encoder parameter " + e.getKey() + " asks for gradients");
      assertArrayEquals(before.get(e.getKey()), e.getValue().getArray().toFloatArray(), e.getKey());
    }
  }

  @Test
  void zeroQueriesNeedNoHiddenStates() {
    DecqAutoencoder m = model(0);
    assertTrue(m.taps().isEmpty());
    try (NDManager step = manager.newSubManager()) {
      NDArray images = images(step);
      NDArray recon = m.reconstruct(images);
      assertEquals(new Shape(2, 3, 256, 256), recon.getShape());
    }
  }

  @Test
  void createFromConfigLoadsTheLatentStatistics(@TempDir Path tmp) {
    int t = encoder.patchTokens();
    int c = encoder.width();
    float[] mean = new float[t * c];
    float[] var = new float[t * c];
    Arrays.fill(mean, 0.25f);
    Arrays.fill(var, 4f);
    Path stats = tmp.resolve("stats.safetensors");
    SafeTensors.write(stats, Map.of("patch.mean", HostTensor.ofFloats(new long[] {t, c}, mean),
        "patch.var", HostTensor.ofFloats(new long[] {t, c}, var)));
    DecqConfig config = ConfigLoader.load(null, List.of("queries.count=0", "queries.taps=[]", "decoder.preset=tiny",
        "decoder.latent_stats=" + stats));
    DecqAutoencoder m = DecqAutoencoder.create(encoder, config, manager, 4);
    assertEquals(0, m.queryCount());
    assertArrayEquals(var, m.stateDict().get("latent_norm.patch_var").toFloats());
    try (NDManager step = manager.newSubManager()) {
      NDArray joint = m.encode(images(step));
      NDArray expectedJoint = expected.get("rae_latent").toNDArray(step).sub(0.25f).div((float) Math.sqrt(4 + LatentNorm.EPS));
      assertTrue(maxAbsDiff(joint.toFloatArray(), expectedJoint.toFloatArray()) < LATENT_TOLERANCE);
    }
  }

  @Test
  void tapBeyondTheEncodersDepthIsRefused() {
    QueriesConfig q = new QueriesConfig(8, List.of(0, 6, encoder.depth() + 1), false, 4, 4.0);
    BadInputException e = assertThrows(BadInputException.class, () -> new DecqAutoencoder(encoder, q, DecoderConfig.defaults()));
    assertEquals("queries.taps: tap 13 is beyond the encoder's depth (hidden-state indices 0..12)", e.getMessage());
  }

  static double maxAbsDiff(float[] a, float[] b) {
    assertEquals(a.length, b.length);
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }
}
