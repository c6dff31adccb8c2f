package io.decq.core.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import io.decq.core.config.EncoderConfig.Family;
import io.decq.core.image.Images;
import io.decq.core.io.DType;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real-size DINOv2-reg-B (768 wide, 12 blocks, 12 heads, 518-px position grid, random weights) written
 * as an HF folder with bf16 safetensors, loaded and run on a 256x256 photo on the CPU.
 */
class RealSizeSmokeTest {
  @TempDir Path tmp;

  @Test
  void baseSizeBf16CheckpointEncodesAPhoto() throws IOException {
    long t0 = System.nanoTime();
    Map<String, HostTensor> bf16 = hfStateDict(768, 12, 3072, 14, 37, 4);
    SafeTensors.write(tmp.resolve("model.safetensors"), bf16);
    Files.writeString(tmp.resolve("config.json"), config().toString());
    long t1 = System.nanoTime();

    try (FrozenEncoder encoder = FrozenEncoder.load(tmp, Family.AUTO, Device.cpu());
        NDManager m = NDManager.newBaseManager(Device.cpu())) {
      long t2 = System.nanoTime();
      assertEquals(Family.DINOV2_REG, encoder.family());
      // Loading widened bf16 exactly.
      HostTensor stored = bf16.get("encoder.layer.5.mlp.fc1.weight");
      float[] loaded = encoder.tower().namedParameters().get("encoder.layer.5.mlp.fc1.weight").getArray().toFloatArray();
      assertArrayEquals(stored.toFloats(), loaded);

      NDArray photo = Images.toNCHW(m, List.of(Images.read(Golden.file("dinov2_input0.png"))));
      EncoderOutput out = encoder.encode(photo, Set.of(0, 3, 6, 9));
      long t3 = System.nanoTime();
      assertArrayEquals(new long[] {1, 256, 768}, out.latent().getShape().getShape());
      assertArrayEquals(new long[] {1, 261, 768}, out.hiddenStates().get(9).getShape().getShape());
      assertEquals(5, out.prefixTokens());
      // The latent is a LayerNorm without affine: every token has mean 0 and variance 1.
      float[] z = out.latent().toFloatArray();
      double worstMean = 0;
      double worstVar = 0;
      for (int t = 0; t < 256; t++) {
        double s = 0;
        double ss = 0;
        for (int c = 0; c < 768; c++) {
          double v = z[t * 768 + c];
          assertTrue(Double.isFinite(v));
          s += v;
          ss += v * v;
        }
        double mean = s / 768;
        worstMean = Math.max(worstMean, Math.abs(mean));
        worstVar = Math.max(worstVar, Math.abs(ss / 768 - mean * mean - 1));
      }
      assertTrue(worstMean < 1e-4 && worstVar < 1e-3, "token mean " + worstMean + ", variance - 1 " + worstVar);
      System.out.printf("DINOv2-reg-B bf16: write %.1f s, load %.1f s, encode 1 image %.1f s%n",
          (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9);
    }
  }

  static JsonObject config() {
    JsonObject c = new JsonObject();
    c.addProperty("model_type", "dinov2_with_registers");
    c.addProperty("hidden_size", 768);
    c.addProperty("num_hidden_layers", 12);
    c.addProperty("num_attention_heads", 12);
    c.addProperty("mlp_ratio", 4);
    c.addProperty("patch_size", 14);
    c.addProperty("image_size", 518);
    c.addProperty("num_register_tokens", 4);
    c.addProperty("layer_norm_eps", 1e-6);
    c.addProperty("hidden_act", "gelu");
    c.addProperty("torch_dtype", "bfloat16");
    return c;
  }

  /**
   * Random bf16 weights under the key names and shapes of HF's {@code Dinov2WithRegistersModel}
   * state dict (written out here from the HF layout, independently of the model code): weights
   * U(-1/sqrt(fan_in), 1/sqrt(fan_in)), biases small, norms and layer scales near 1, tokens N(0, 0.02²)-like.
   */
  static Map<String, HostTensor> hfStateDict(int c, int layers, int mlp, int patch, int grid, int registers) {
    SplittableRandom r = new SplittableRandom(42);
    Map<String, HostTensor> w = new LinkedHashMap<>();
    w.put("embeddings.cls_token", random(r, 0.02, 0, 1, 1, c));
    w.put("embeddings.mask_token", random(r, 0, 0, 1, c));
    w.put("embeddings.register_tokens", random(r, 0.02, 0, 1, registers, c));
    w.put("embeddings.position_embeddings", random(r, 0.02, 0, 1, 1 + grid * grid, c));
    w.put("embeddings.patch_embeddings.projection.weight", random(r, 1 / Math.sqrt(3.0 * patch * patch), 0, c, 3, patch, patch));
    w.put("embeddings.patch_embeddings.projection.bias", random(r, 0.02, 0, c));
    for (int i = 0; i < layers; i++) {
      String p = "encoder.layer." + i + ".";
      w.put(p + "norm1.weight", random(r, 0.1, 1, c));
      w.put(p + "norm1.bias", random(r, 0.02, 0, c));
      for (String proj : List.of("attention.attention.query", "attention.attention.key", "attention.attention.value",
          "attention.output.dense")) {
        w.put(p + proj + ".weight", random(r, 1 / Math.sqrt(c), 0, c, c));
        w.put(p + proj + ".bias", random(r, 0.02, 0, c));
      }
      w.put(p + "layer_scale1.lambda1", random(r, 0.1, 0.5, c));
      w.put(p + "norm2.weight", random(r, 0.1, 1, c));
      w.put(p + "norm2.bias", random(r, 0.02, 0, c));
      w.put(p + "mlp.fc1.weight", random(r, 1 / Math.sqrt(c), 0, mlp, c));
      w.put(p + "mlp.fc1.bias", random(r, 0.02, 0, mlp));
      w.put(p + "mlp.fc2.weight", random(r, 1 / Math.sqrt(mlp), 0, c, mlp));
      w.put(p + "mlp.fc2.bias", random(r, 0.02, 0, c));
      w.put(p + "layer_scale2.lambda1", random(r, 0.1, 0.5, c));
    }
    w.put("layernorm.weight", random(r, 0.1, 1, c));
    w.put("layernorm.bias", random(r, 0.02, 0, c));
    return w;
  }

  /** A bf16 tensor of U(center - a, center + a) values. */
  static HostTensor random(SplittableRandom r, double a, double center, long... shape) {
    float[] f = new float[Math.toIntExact(HostTensor.numel(shape))];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) (center + a * (2 * r.nextDouble() - 1));
    }
    return toBf16(HostTensor.ofFloats(shape, f));
  }

  /** Float32 to bfloat16, round to nearest even (as torch's {@code .to(torch.bfloat16)} for finite values). */
  static HostTensor toBf16(HostTensor t) {
    float[] f = t.toFloats();
    ByteBuffer b = ByteBuffer.allocate(f.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : f) {
      int bits = Float.floatToRawIntBits(v);
      bits += 0x7FFF + ((bits >>> 16) & 1);
      b.putShort((short) (bits >>> 16));
    }
    return new HostTensor(DType.BF16, t.shape(), b.flip());
  }
}
