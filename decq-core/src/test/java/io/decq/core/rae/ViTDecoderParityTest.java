package io.decq.core.rae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.decq.core.config.DecoderConfig;
import io.decq.core.config.QueriesConfig;
import io.decq.core.config.TransformerSize;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The decoder with 0 queries against RAE's own {@code GeneralDecoder} and {@code RAE.decode}
 * ({@code golden/rae/decoder}, see its README). Every size comes from the case's config.json,
 * rae_params.json and tensor shapes.
 */
@Tag("parity")
class ViTDecoderParityTest {
  /** README: a float32 re-implementation should meet ~1e-4 absolute on forward outputs (f32-vs-f64 gap 1.6e-6). */
  static final double TOLERANCE = 1e-4;

  static NDManager manager;
  static Path dir;
  static JsonObject config;
  static JsonObject raeParams;
  static Map<String, HostTensor> io;
  static Map<String, HostTensor> weights;

  @BeforeAll
  static void setUp() throws IOException {
    manager = NDManager.newBaseManager();
    dir = Path.of(System.getProperty("decq.golden.dir"), "rae", "decoder");
    config = JsonParser.parseString(Files.readString(dir.resolve("config.json"))).getAsJsonObject();
    raeParams = JsonParser.parseString(Files.readString(dir.resolve("rae_params.json"))).getAsJsonObject();
    io = SafeTensors.read(dir.resolve("io.safetensors"));
    weights = SafeTensors.read(dir.resolve("state_dict.safetensors"));
  }

  @AfterAll
  static void tearDown() {
    manager.close();
  }

  static TransformerSize size() {
    return new TransformerSize(config.get("decoder_hidden_size").getAsInt(), config.get("decoder_num_hidden_layers").getAsInt(),
        config.get("decoder_num_attention_heads").getAsInt(), config.get("decoder_intermediate_size").getAsInt());
  }

  static void checkArchitectureFlags() {
    assertEquals("gelu", config.get("hidden_act").getAsString(), "the case must use exact GELU");
    assertEquals(ViTDecoder.LAYER_NORM_EPS, config.get("layer_norm_eps").getAsDouble(), 0.0);
    assertTrue(config.get("qkv_bias").getAsBoolean());
  }

  static ViTDecoder decoder() {
    return new ViTDecoder(size(), raeParams.get("latent_dim").getAsInt(), raeParams.get("num_patches").getAsInt(),
        raeParams.get("decoder_patch_size").getAsInt(), 0, config.get("layer_norm_eps").getAsDouble());
  }

  @Test
  void sinCosTableEqualsRaesBuffer() {
    ViTDecoder d = decoder();
    d.materialize(manager, 0);
    float[] ours = d.stateDict().get("decoder_pos_embed").toFloats();
    HostTensor ref = weights.get("decoder_pos_embed");
    assertArrayEquals(ref.shape(), d.stateDict().get("decoder_pos_embed").shape());
    double diff = maxAbsDiff(ours, ref.toDoubles());
    System.out.println("decoder_pos_embed max abs diff " + diff);
    assertTrue(diff < 1e-6, "max abs diff " + diff);
  }

  @Test
  void logitsAndImageMatchGeneralDecoder() {
    checkArchitectureFlags();
    ViTDecoder d = decoder();
    d.materialize(manager, 0);
    d.loadStateDict(weights, dir.resolve("state_dict.safetensors").toString(), null);
    assertEquals(raeParams.get("image_size").getAsInt(), d.imageSize());
    try (NDManager step = manager.newSubManager()) {
      NDArray z = io.get("z").toNDArray(step);
      NDArray logits = d.logits(z, null);
      NDArray image = d.unpatchify(logits);
      HostTensor refLogits = io.get("logits");
      HostTensor refImage = io.get("image");
      assertArrayEquals(refLogits.shape(), logits.getShape().getShape());
      assertArrayEquals(refImage.shape(), image.getShape().getShape());
      double dl = maxAbsDiff(logits.toFloatArray(), refLogits.toDoubles());
      double dl64 = maxAbsDiff(logits.toFloatArray(), io.get("logits_f64").toDoubles());
      double di = maxAbsDiff(image.toFloatArray(), refImage.toDoubles());
      double di64 = maxAbsDiff(image.toFloatArray(), io.get("image_f64").toDoubles());
      System.out.printf("decoder parity: logits max abs diff %.3g (vs f64 %.3g), image %.3g (vs f64 %.3g)%n", dl, dl64, di, di64);
      assertTrue(dl < TOLERANCE, "logits max abs diff " + dl);
      assertTrue(di < TOLERANCE, "image max abs diff " + di);
    }
  }

  @Test
  void autoencoderDecodeMatchesRaeDecode(@TempDir Path tmp) {
    checkArchitectureFlags();
    int c = raeParams.get("latent_dim").getAsInt();
    int t = raeParams.get("num_patches").getAsInt();
    long[] zShape = io.get("rae_z").shape(); // (B, C, h, w)
    assertEquals(c, zShape[1]);
    assertEquals(t, zShape[2] * zShape[3]);
    DecqAutoencoder.EncoderInfo enc = new DecqAutoencoder.EncoderInfo(c, 0, 0, t,
        io.get("rae_encoder_mean").toFloats(), io.get("rae_encoder_std").toFloats());
    DecoderConfig dc = DecoderConfig.defaults();
    dc = new DecoderConfig(dc.preset(), raeParams.get("decoder_patch_size").getAsInt(), dc.noiseTau(), dc.noiseMode(),
        dc.queryDropout(), null);
    DecqAutoencoder model = new DecqAutoencoder(enc, new QueriesConfig(0, List.of(), false, 1, 4.0), dc, size());
    model.materialize(manager, 0);
    model.decoder().loadStateDict(weights, dir.resolve("state_dict.safetensors").toString(), null);
    assertEquals(raeParams.get("latent_norm_eps").getAsDouble(), LatentNorm.EPS, 1e-12);

    // RAE keeps statistics as [C, h, w]; the agreed statistics file holds them as [T, C].
    Path stats = tmp.resolve("stats.safetensors");
    SafeTensors.write(stats, Map.of(
        "patch.mean", HostTensor.ofFloats(new long[] {t, c}, toTokens(io.get("rae_latent_mean").toFloats(), 1, c, t)),
        "patch.var", HostTensor.ofFloats(new long[] {t, c}, toTokens(io.get("rae_latent_var").toFloats(), 1, c, t))));
    model.latentNorm().load(stats);
    try (NDManager step = manager.newSubManager()) {
      int b = (int) zShape[0];
      float[] joint = toTokens(io.get("rae_z").toFloats(), b, c, t);
      NDArray image = model.decode(step.create(joint, new Shape(b, t, c)));
      HostTensor ref = io.get("rae_image");
      assertArrayEquals(ref.shape(), image.getShape().getShape());
      double d = maxAbsDiff(image.toFloatArray(), ref.toDoubles());
      System.out.printf("RAE.decode parity: rae_image max abs diff %.3g%n", d);
      assertTrue(d < TOLERANCE, "rae_image max abs diff " + d);
    }
  }

  /** [B, C, T] (channel-major, a flattened [B, C, h, w]) -> [B, T, C]. */
  static float[] toTokens(float[] chw, int b, int c, int t) {
    float[] out = new float[chw.length];
    for (int bi = 0; bi < b; bi++) {
      for (int ci = 0; ci < c; ci++) {
        for (int ti = 0; ti < t; ti++) {
          out[(bi * t + ti) * c + ci] = chw[(bi * c + ci) * t + ti];
        }
      }
    }
    return out;
  }

  static double maxAbsDiff(float[] got, double[] want) {
    assertEquals(want.length, got.length);
    double m = 0;
    for (int i = 0; i < got.length; i++) {
      m = Math.max(m, Math.abs(got[i] - want[i]));
    }
    return m;
  }
}
