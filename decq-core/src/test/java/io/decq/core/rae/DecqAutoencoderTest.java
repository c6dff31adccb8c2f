package io.decq.core.rae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.decq.core.config.DecoderConfig;
import io.decq.core.config.DecoderPreset;
import io.decq.core.config.NoiseMode;
import io.decq.core.config.QueriesConfig;
import io.decq.core.config.TransformerSize;
import io.decq.core.error.BadInputException;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The composed autoencoder on made-up encoder outputs: gradients, the 0-query path, dropout, statistics. */
class DecqAutoencoderTest {
  static final int B = 3;
  static final int C = 16;
  static final int DEPTH = 3;
  static final int PREFIX = 1;
  static final int T = 4;
  static final DecqAutoencoder.EncoderInfo ENCODER = new DecqAutoencoder.EncoderInfo(C, DEPTH, PREFIX, T,
      DecqAutoencoder.EncoderInfo.IMAGENET_MEAN, DecqAutoencoder.EncoderInfo.IMAGENET_STD);
  static final TransformerSize SIZE = new TransformerSize(16, 1, 2, 32);

  static NDManager manager;

  @BeforeAll
  static void setUp() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void tearDown() {
    manager.close();
  }

  static QueriesConfig queries(int count) {
    return new QueriesConfig(count, count == 0 ? List.of() : List.of(0, 2), false, 2, 2.0);
  }

  static DecoderConfig decoder(double tau, double dropout) {
    return new DecoderConfig(DecoderPreset.TINY, 2, tau, NoiseMode.UNIFORM, dropout, null);
  }

  static DecqAutoencoder model(int queries, double tau, double dropout) {
    DecqAutoencoder m = new DecqAutoencoder(ENCODER, queries(queries), decoder(tau, dropout), SIZE);
    m.materialize(manager, 11);
    return m;
  }

  /** Made-up encoder outputs: latent (B, T, C) and hidden states 0..DEPTH (B, P + T, C), all asking for gradients. */
  record Features(NDArray latent, Map<Integer, NDArray> hidden) {}

  static Features features(NDManager m, long seed) {
    Random r = new Random(seed);
    Map<Integer, NDArray> hidden = new LinkedHashMap<>();
    for (int i = 0; i <= DEPTH; i++) {
      hidden.put(i, m.create(gaussian(r, B * (PREFIX + T) * C), new Shape(B, PREFIX + T, C)));
    }
    NDArray latent = m.create(gaussian(r, B * T * C), new Shape(B, T, C));
    latent.setRequiresGradient(true);
    hidden.values().forEach(h -> h.setRequiresGradient(true));
    return new Features(latent, hidden);
  }

  static float[] gaussian(Random r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  @Test
  void trainableParametersAreQueriesCondensersAndDecoder() {
    DecqAutoencoder m = model(2, 0.8, 0);
    List<String> names = new ArrayList<>(m.trainableParameters().keySet());
    assertTrue(names.contains("queries.query_tokens"));
    assertTrue(names.contains("queries.condensers.1.attn.k.weight"));
    assertTrue(names.contains("decoder.query_embed.weight"));
    assertTrue(names.contains("decoder.query_pos_embed"));
    assertTrue(names.contains("decoder.decoder_layers.0.attention.attention.query.weight"));
    for (String n : names) {
      assertTrue(n.startsWith("queries.") || n.startsWith("decoder."), n);
    }
    assertFalse(names.contains("decoder.decoder_pos_embed"));
    assertTrue(m.namedParameters().containsKey("decoder.decoder_pos_embed"));
    assertTrue(m.namedParameters().containsKey("latent_norm.query_var"));
    assertFalse(names.stream().anyMatch(n -> n.startsWith("latent_norm")));
  }

  @Test
  void gradientReachesEveryTrainableParameterButNeverTheEncoder() {
    DecqAutoencoder m = model(2, 0.8, 0);
    try (NDManager step = manager.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      Features f = features(step, 5);
      NDArray recon = m.reconstructTraining(f.latent(), f.hidden());
      assertEquals(new Shape(B, 3, 4, 4), recon.getShape());
      gc.backward(recon.sub(0.5f).abs().mean());
      for (Map.Entry<String, Parameter> e : m.trainableParameters().entrySet()) {
        NDArray g = e.getValue().getArray().getGradient();
        float norm = g.abs().sum().getFloat();
        g.close();
        assertTrue(norm > 0, "no gradient reached " + e.getKey());
      }
      assertEquals(0f, f.latent().getGradient().abs().sum().getFloat(), "gradient reached the encoder latent");
      for (Map.Entry<Integer, NDArray> h : f.hidden().entrySet()) {
        assertEquals(0f, h.getValue().getGradient().abs().sum().getFloat(), "gradient reached hidden state " + h.getKey());
      }
    } finally {
      zeroGradients(m);
    }
  }

  @Test
  void queriesCarryInformationToThePatchPixels() {
    DecqAutoencoder m = model(2, 0, 0);
    try (NDManager step = manager.newSubManager()) {
      Features f = features(step, 6);
      NDArray joint = m.encodeFeatures(f.latent(), f.hidden());
      assertEquals(new Shape(B, 2 + T, C), joint.getShape());
      float[] with = m.decode(joint).toFloatArray();
      float[] without = m.decode(joint, true).toFloatArray();
      assertTrue(maxAbsDiff(with, without) > 1e-3, "queries do not affect the image");
      // A different non-tap hidden state (index 1) must not change the latent; a tap must.
      Features g = features(step, 6);
      g.hidden().put(1, g.hidden().get(1).add(1f));
      assertEquals(0.0, maxAbsDiff(joint.toFloatArray(), m.encodeFeatures(g.latent(), g.hidden()).toFloatArray()));
      g.hidden().put(2, g.hidden().get(2).mul(-1f));
      assertTrue(maxAbsDiff(joint.toFloatArray(), m.encodeFeatures(g.latent(), g.hidden()).toFloatArray()) > 1e-3);
    }
  }

  @Test
  void zeroQueriesIsThePlainRaePath() {
    DecqAutoencoder m = model(0, 0, 0);
    assertEquals(0, m.queryCount());
    assertTrue(m.taps().isEmpty());
    for (String n : m.namedParameters().keySet()) {
      assertTrue((n.startsWith("decoder.") || n.startsWith("latent_norm.patch_")) && !n.contains("query_"), n);
    }
    try (NDManager step = manager.newSubManager()) {
      Features f = features(step, 7);
      NDArray joint = m.encodeFeatures(f.latent(), Map.of());
      assertEquals(new Shape(B, T, C), joint.getShape());
      // Fresh statistics are mean 0, var 1: the latent is the patch latent / sqrt(1 + eps).
      assertEquals(f.latent().div((float) Math.sqrt(1 + LatentNorm.EPS)).sub(joint).abs().max().getFloat(), 0f, 1e-6f);
      NDArray image = m.decode(joint);
      NDArray direct = m.decoder().unpatchify(m.decoder().logits(f.latent(), null));
      NDArray expected = direct.mul(step.create(DecqAutoencoder.EncoderInfo.IMAGENET_STD, new Shape(1, 3, 1, 1)))
          .add(step.create(DecqAutoencoder.EncoderInfo.IMAGENET_MEAN, new Shape(1, 3, 1, 1)));
      assertTrue(maxAbsDiff(image.toFloatArray(), expected.toFloatArray()) < 1e-5);
    }
  }

  @Test
  void queryDropoutDecodesEachImageWithOrWithoutItsQueries() {
    DecqAutoencoder m = model(2, 0, 0);
    try (NDManager step = manager.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      Features f = features(step, 8);
      NDArray joint = m.encodeFeatures(f.latent(), f.hidden());
      boolean[] keep = {false, true, false};
      NDArray mixed = m.decodeWithQueryDropout(joint, keep);
      float[] with = m.decode(joint).toFloatArray();
      float[] without = m.decode(joint, true).toFloatArray();
      float[] got = mixed.toFloatArray();
      int per = 3 * 4 * 4;
      for (int b = 0; b < B; b++) {
        float[] want = keep[b] ? with : without;
        for (int i = 0; i < per; i++) {
          assertEquals(want[b * per + i], got[b * per + i], 1e-6f, "image " + b);
        }
      }
      gc.backward(mixed.abs().mean());
      NDArray g = m.trainableParameters().get("queries.query_tokens").getArray().getGradient();
      assertTrue(g.abs().sum().getFloat() > 0, "the kept image's gradient must reach the queries");
      g.close();
    } finally {
      zeroGradients(m);
    }
    // Dropout 1 in training hides every image's queries: the result equals decoding without them.
    DecqAutoencoder all = model(2, 0, 1.0);
    try (NDManager step = manager.newSubManager()) {
      Features f = features(step, 9);
      float[] train = all.reconstructTraining(f.latent(), f.hidden()).toFloatArray();
      float[] dropped = all.decode(all.encodeFeatures(f.latent(), f.hidden()), true).toFloatArray();
      assertTrue(maxAbsDiff(train, dropped) < 1e-5);
    }
  }

  @Test
  void trainingForwardWithoutNoiseEqualsEncodeThenDecode() {
    DecqAutoencoder m = model(2, 0, 0);
    try (NDManager step = manager.newSubManager()) {
      Features f = features(step, 10);
      float[] train = m.reconstructTraining(f.latent(), f.hidden()).toFloatArray();
      float[] eval = m.decode(m.encodeFeatures(f.latent(), f.hidden())).toFloatArray();
      assertTrue(maxAbsDiff(train, eval) < 1e-5);
    }
    DecqAutoencoder noisy = model(2, 0.8, 0);
    try (NDManager step = manager.newSubManager()) {
      Features f = features(step, 10);
      float[] train = noisy.reconstructTraining(f.latent(), f.hidden()).toFloatArray();
      float[] eval = noisy.decode(noisy.encodeFeatures(f.latent(), f.hidden())).toFloatArray();
      assertTrue(maxAbsDiff(train, eval) > 1e-4, "tau 0.8 must perturb the training reconstruction");
    }
  }

  @Test
  void statisticsNormaliseRoundTripAndLoadFromFile(@TempDir Path tmp) {
    DecqAutoencoder m = model(2, 0, 0);
    Random r = new Random(12);
    float[] pm = gaussian(r, T * C);
    float[] pv = new float[T * C];
    float[] qm = gaussian(r, 2 * C);
    float[] qv = new float[2 * C];
    for (int i = 0; i < pv.length; i++) {
      pv[i] = 0.5f + r.nextFloat();
    }
    for (int i = 0; i < qv.length; i++) {
      qv[i] = 0.5f + r.nextFloat();
    }
    Path stats = tmp.resolve("stats.safetensors");
    SafeTensors.write(stats, Map.of(
        "patch.mean", HostTensor.ofFloats(new long[] {T, C}, pm), "patch.var", HostTensor.ofFloats(new long[] {T, C}, pv),
        "query.mean", HostTensor.ofFloats(new long[] {2, C}, qm), "query.var", HostTensor.ofFloats(new long[] {2, C}, qv)));
    m.latentNorm().load(stats);
    assertArrayEquals(qv, m.stateDict().get("latent_norm.query_var").toFloats());
    try (NDManager step = manager.newSubManager()) {
      Features f = features(step, 13);
      NDArray raw = m.rawLatent(f.latent(), f.hidden());
      NDArray joint = m.normalize(raw);
      float[] rv = raw.toFloatArray();
      float[] jv = joint.toFloatArray();
      for (int b = 0; b < B; b++) {
        for (int t = 0; t < 2 + T; t++) {
          for (int c = 0; c < C; c++) {
            int i = (b * (2 + T) + t) * C + c;
            double mean = t < 2 ? qm[t * C + c] : pm[(t - 2) * C + c];
            double var = t < 2 ? qv[t * C + c] : pv[(t - 2) * C + c];
            assertEquals((rv[i] - mean) / Math.sqrt(var + 1e-5), jv[i], 1e-5);
          }
        }
      }
      assertTrue(maxAbsDiff(rv, m.denormalize(joint).toFloatArray()) < 1e-5);
    }
    Path bad = tmp.resolve("bad.safetensors");
    SafeTensors.write(bad, Map.of("patch.mean", HostTensor.ofFloats(new long[] {T, 3}, new float[T * 3]),
        "patch.var", HostTensor.ofFloats(new long[] {T, C}, pv)));
    BadInputException e = assertThrows(BadInputException.class, () -> m.latentNorm().load(bad));
    assertTrue(e.getMessage().contains("'patch.mean' has shape [4, 3]"), e.getMessage());
  }

  @Test
  void runningQueryStatisticsFollowTheCleanQueryLatent() {
    DecqAutoencoder m = model(2, 0.8, 0);
    try (NDManager step = manager.newSubManager()) {
      Features f = features(step, 14);
      NDArray q = m.queriesOf(m.rawLatent(f.latent(), f.hidden()));
      float[] batchMean = q.mean(new int[] {0}).toFloatArray();
      float[] batchVar = q.sub(q.mean(new int[] {0})).square().sum(new int[] {0}).div(B - 1f).toFloatArray();
      m.reconstructTraining(f.latent(), f.hidden());
      float[] mean = m.stateDict().get("latent_norm.query_mean").toFloats();
      float[] var = m.stateDict().get("latent_norm.query_var").toFloats();
      for (int i = 0; i < mean.length; i++) {
        assertEquals(0.1 * batchMean[i], mean[i], 1e-6);
        assertEquals(0.9 + 0.1 * batchVar[i], var[i], 1e-5);
      }
    }
  }

  @Test
  void trainingStepsLeaveNothingInTheModelsManager() {
    try (NDManager modelManager = manager.newSubManager()) {
      DecqAutoencoder m = new DecqAutoencoder(ENCODER, queries(2), decoder(0.8, 0.5), SIZE);
      m.materialize(modelManager, 1);
      int before = modelManager.getManagedArrays().size();
      for (int i = 0; i < 10; i++) {
        try (NDManager step = manager.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          Features f = features(step, i);
          gc.backward(m.reconstructTraining(f.latent(), f.hidden()).abs().mean());
          m.decode(m.encodeFeatures(f.latent(), f.hidden()), i % 2 == 0);
        }
        zeroGradients(m);
      }
      assertEquals(before, modelManager.getManagedArrays().size(), "arrays accumulated in the model's manager");
    }
  }

  @Test
  void stateDictOfWeightsAndFixedTensorsRestoresTheModel() {
    DecqAutoencoder a = model(2, 0, 0);
    try (NDManager step = manager.newSubManager()) {
      a.reconstructTraining(features(step, 15).latent(), features(step, 15).hidden()); // moves the query estimate
    }
    Map<String, HostTensor> checkpoint = new LinkedHashMap<>();
    a.trainableParameters().forEach((k, p) -> checkpoint.put(k, HostTensor.of(p.getArray())));
    a.fixedTensors().forEach((k, v) -> checkpoint.put(k, HostTensor.of(v)));
    assertEquals(a.namedParameters().keySet(), checkpoint.keySet());
    assertTrue(a.fixedTensors().containsKey("decoder.decoder_pos_embed"));
    assertTrue(a.fixedTensors().containsKey("latent_norm.query_mean"));
    DecqAutoencoder b = new DecqAutoencoder(ENCODER, queries(2), decoder(0, 0), SIZE);
    b.materialize(manager, 99);
    b.loadStateDict(checkpoint, "checkpoint", null);
    try (NDManager step = manager.newSubManager()) {
      Features f = features(step, 16);
      assertEquals(0.0, maxAbsDiff(a.decode(a.encodeFeatures(f.latent(), f.hidden())).toFloatArray(),
          b.decode(b.encodeFeatures(f.latent(), f.hidden())).toFloatArray()));
    }
  }

  @Test
  void configThatDoesNotFitTheEncoderFailsClearly() {
    BadInputException deep = assertThrows(BadInputException.class, () -> new DecqAutoencoder(ENCODER,
        new QueriesConfig(2, List.of(0, DEPTH + 1), false, 2, 2.0), decoder(0, 0), SIZE));
    assertEquals("queries.taps: tap 4 is beyond the encoder's depth (hidden-state indices 0..3)", deep.getMessage());
    BadInputException heads = assertThrows(BadInputException.class, () -> new DecqAutoencoder(ENCODER,
        new QueriesConfig(2, List.of(0), false, 3, 2.0), decoder(0, 0), SIZE));
    assertEquals("queries.heads: 3 heads do not divide the encoder width 16", heads.getMessage());
  }

  static void zeroGradients(DecqAutoencoder m) {
    for (Parameter p : m.trainableParameters().values()) {
      NDArray g = p.getArray().getGradient();
      g.subi(g);
      g.close();
    }
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
