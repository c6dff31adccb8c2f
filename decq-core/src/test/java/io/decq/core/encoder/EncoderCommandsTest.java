package io.decq.core.encoder;

import static io.decq.core.encoder.Golden.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.decq.core.cli.Decq;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code decq encode} and {@code decq stats} end to end through the launcher, and their bad-input errors. */
class EncoderCommandsTest {
  @TempDir Path tmp;

  /** Exit code and stderr of one launcher run. */
  record Run(int code, String err) {}

  static Run decq(String... args) {
    CommandLine cl = Decq.commandLine();
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    cl.setOut(new PrintWriter(new StringWriter()));
    int code = cl.execute(args);
    return new Run(code, err.toString());
  }

  /** An HF model folder: config.json + model.safetensors copied from the golden case. */
  Path modelDir(String name, String config, String weights) throws IOException {
    Path dir = tmp.resolve(name);
    if (Files.isDirectory(dir)) {
      return dir;
    }
    Files.createDirectories(dir);
    Files.copy(Golden.file(config), dir.resolve("config.json"));
    Files.copy(Golden.file(weights), dir.resolve("model.safetensors"));
    return dir;
  }

  Path dinov2Dir() throws IOException {
    return modelDir("dinov2", "dinov2_reg_config.json", "dinov2_reg_model.safetensors");
  }

  Path siglipDir() throws IOException {
    return modelDir("siglip", "siglip_vision_config.json", "siglip_vision_model.safetensors");
  }

  static String png(String name) {
    return Golden.file(name).toString();
  }

  @Test
  @Tag("parity")
  void encodeWritesHfShapedOutputsInImageOrder() throws IOException {
    Path out = tmp.resolve("enc.safetensors");
    // Reversed order: row 0 of the output must be the reference's image 1.
    Run r = decq("encode", "--encoder", dinov2Dir().toString(), "--images", png("dinov2_input1.png"), png("dinov2_input0.png"),
        "--out", out.toString(), "--hidden-states", "all", "--batch", "1", "--device", "cpu");
    assertEquals(0, r.code(), r.err());
    SafeTensors.Contents c = SafeTensors.readWithMetadata(out);
    Map<String, HostTensor> expected = Golden.tensors("dinov2_reg_expected.safetensors");
    assertArrayEquals(expected.get("rae_latent").shape(), c.tensors().get("latent").shape());
    assertClose("encode latent (reordered)", swapRows(expected.get("rae_latent")), c.tensors().get("latent").toDoubles(), 3e-4);
    int layers = Golden.dinov2Config().layers();
    for (int i = 0; i <= layers; i++) {
      HostTensor h = c.tensors().get("hidden_states." + i);
      assertArrayEquals(expected.get("hidden_states." + i).shape(), h.shape());
      assertClose("encode hidden_states." + i, swapRows(expected.get("hidden_states." + i)), h.toDoubles(), 3e-4);
    }
    assertEquals(1 + (layers + 1), c.tensors().size(), "latent and every hidden state");
    assertEquals(List.of(png("dinov2_input1.png"), png("dinov2_input0.png")),
        List.of(new Gson().fromJson(c.metadata().get("images"), String[].class)));
    assertEquals("dinov2-reg", c.metadata().get("family"));
  }

  /** The two batch rows of a [2, ...] tensor swapped. */
  static double[] swapRows(HostTensor t) {
    assertEquals(2, t.shape()[0], "the case encodes its two input images");
    double[] v = t.toDoubles();
    int half = v.length / 2;
    double[] out = new double[v.length];
    System.arraycopy(v, half, out, 0, half);
    System.arraycopy(v, 0, out, half, half);
    return out;
  }

  @Test
  @Tag("parity")
  void fullSiglipModelCheckpointShardedWithTextTower() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("siglip-full"));
    JsonObject vision = JsonParser.parseString(Files.readString(Golden.file("siglip_vision_config.json"))).getAsJsonObject();
    JsonObject full = new JsonObject();
    full.addProperty("model_type", "siglip");
    full.add("vision_config", vision);
    full.add("text_config", new JsonObject());
    Files.writeString(dir.resolve("config.json"), full.toString());
    Map<String, HostTensor> shard1 = new TreeMap<>();
    Map<String, HostTensor> shard2 = new TreeMap<>();
    int i = 0;
    for (Map.Entry<String, HostTensor> e : Golden.tensors("siglip_vision_model.safetensors").entrySet()) {
      (i++ % 2 == 0 ? shard1 : shard2).put("vision_model." + e.getKey(), e.getValue());
    }
    shard1.put("text_model.embeddings.token_embedding.weight", HostTensor.ofFloats(new long[] {4, 2}, new float[8]));
    int width = Golden.siglipConfig().hiddenSize();
    shard2.put("vision_model.head.probe", HostTensor.ofFloats(new long[] {1, 1, width}, new float[width]));
    shard2.put("logit_scale", HostTensor.ofFloats(new long[] {1}, new float[1]));
    shard2.put("logit_bias", HostTensor.ofFloats(new long[] {1}, new float[1]));
    SafeTensors.write(dir.resolve("model-00001-of-00002.safetensors"), shard1);
    SafeTensors.write(dir.resolve("model-00002-of-00002.safetensors"), shard2);
    JsonObject map = new JsonObject();
    shard1.keySet().forEach(k -> map.addProperty(k, "model-00001-of-00002.safetensors"));
    shard2.keySet().forEach(k -> map.addProperty(k, "model-00002-of-00002.safetensors"));
    JsonObject index = new JsonObject();
    index.add("metadata", new JsonObject());
    index.add("weight_map", map);
    Files.writeString(dir.resolve("model.safetensors.index.json"), index.toString());

    Path out = tmp.resolve("siglip.safetensors");
    Run r = decq("encode", "--encoder", dir.toString(), "--family", "siglip2", "--images", png("siglip_input0.png"),
        png("siglip_input1.png"), "--out", out.toString(), "--device", "cpu");
    assertEquals(0, r.code(), r.err());
    Map<String, HostTensor> got = SafeTensors.read(out);
    assertEquals(List.of("latent"), List.copyOf(got.keySet()));
    assertClose("sharded SiglipModel latent", Golden.tensors("siglip_expected.safetensors").get("rae_latent").toDoubles(),
        got.get("latent").toDoubles(), 1e-4);
  }

  @Test
  @Tag("parity")
  void statsArePerTokenPerChannelMeanAndVariance() throws IOException {
    Path images = Files.createDirectories(tmp.resolve("images"));
    Files.copy(Golden.file("dinov2_input0.png"), images.resolve("a.png"));
    Files.copy(Golden.file("dinov2_input1.png"), images.resolve("b.png"));
    Path out = tmp.resolve("stats.safetensors");
    Run r = decq("stats", "--encoder", dinov2Dir().resolve("model.safetensors").toString(), "--images", images.toString(),
        "--out", out.toString(), "--batch", "2", "--device", "cpu");
    assertEquals(0, r.code(), r.err());
    SafeTensors.Contents c = SafeTensors.readWithMetadata(out);
    assertEquals("2", c.metadata().get("count"));
    assertEquals("dinov2-reg", c.metadata().get("family"));
    HostTensor latent = Golden.tensors("dinov2_reg_expected.safetensors").get("rae_latent"); // (2, T, C)
    long tokens = latent.shape()[1];
    assertArrayEquals(new long[] {tokens, latent.shape()[2]}, c.tensors().get("patch.mean").shape());
    // Reference: mean and population variance over the two images of HF's rae_latent.
    double[] z = latent.toDoubles();
    int n = z.length / 2;
    double[] mean = new double[n];
    double[] var = new double[n];
    for (int i = 0; i < n; i++) {
      mean[i] = (z[i] + z[n + i]) / 2;
      var[i] = ((z[i] - mean[i]) * (z[i] - mean[i]) + (z[n + i] - mean[i]) * (z[n + i] - mean[i])) / 2;
    }
    assertClose("stats patch.mean", mean, c.tensors().get("patch.mean").toDoubles(), 3e-4);
    // var is quadratic in the latent (|z| <= 3.8): a 3e-4 latent error moves it by up to ~2 * 3.8 * 3e-4.
    assertClose("stats patch.var", var, c.tensors().get("patch.var").toDoubles(), 3e-3);
    LatentStats read = LatentStats.read(out, LatentStats.PATCH);
    assertEquals(2, read.count());
    assertEquals(tokens, read.tokens());
  }

  /**
   * {@code decq stats} on the bundled training photos, which sit in class sub-folders: every image under
   * them counts, as the trainer's data.path reads them.
   */
  @Test
  void statsDescendIntoClassFolders() throws IOException {
    Path data = Path.of(System.getProperty("decq.test.data"));
    Path train = data.resolve("images").resolve("train");
    long images;
    try (Stream<Path> s = Files.walk(train)) {
      images = s.filter(Files::isRegularFile).filter(Images::isImage).count();
    }
    try (Stream<Path> s = Files.list(train)) {
      assertTrue(s.allMatch(Files::isDirectory), "the bundled training photos are in class folders");
    }
    Path out = tmp.resolve("s.safetensors");
    Run r = decq("stats", "--encoder", data.resolve("encoders").resolve("dinov2-reg-tiny").toString(), "--images",
        train.toString(), "--out", out.toString(), "--device", "cpu");
    assertEquals(0, r.code(), r.err());
    assertEquals(String.valueOf(images), SafeTensors.readWithMetadata(out).metadata().get("count"));
    assertEquals(images, ImageBatches.resolve(List.of(train)).size());
  }

  @Test
  void wrongFamilyIsOneClearError() throws IOException {
    Run r = decq("encode", "--encoder", siglipDir().toString(), "--family", "dinov2-reg", "--images", png("siglip_input0.png"),
        "--out", tmp.resolve("x.safetensors").toString());
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("siglip2") && r.err().contains("--family"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }

  @Test
  void weightsOfTheOtherFamilyAreDetected() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("mixed"));
    Files.copy(Golden.file("dinov2_reg_config.json"), dir.resolve("config.json"));
    Files.copy(Golden.file("siglip_vision_model.safetensors"), dir.resolve("model.safetensors"));
    Run r = decq("encode", "--encoder", dir.toString(), "--images", png("dinov2_input0.png"), "--out",
        tmp.resolve("x.safetensors").toString());
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("these weights are a SigLIP vision tower"), r.err());
    assertTrue(!r.err().contains("missing keys"), r.err());
  }

  @Test
  void missingKeyIsNamed() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("missing"));
    Files.copy(Golden.file("dinov2_reg_config.json"), dir.resolve("config.json"));
    Map<String, HostTensor> w = new LinkedHashMap<>(Golden.tensors("dinov2_reg_model.safetensors"));
    String key = "encoder.layer." + (Golden.dinov2Config().layers() - 1) + ".mlp.fc1.bias";
    w.remove(key);
    SafeTensors.write(dir.resolve("model.safetensors"), w);
    Run r = decq("encode", "--encoder", dir.toString(), "--images", png("dinov2_input0.png"), "--out",
        tmp.resolve("x.safetensors").toString());
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("missing keys (1): " + key), r.err());
  }

  @Test
  void imageOfTheWrongSizeIsRefused() throws IOException {
    Path small = tmp.resolve("small.png");
    Images.writePng(new RgbImage(200, 300, new byte[200 * 300 * 3]), small);
    Run r = decq("encode", "--encoder", dinov2Dir().toString(), "--images", png("dinov2_input0.png"), small.toString(),
        "--out", tmp.resolve("x.safetensors").toString());
    assertEquals(2, r.code(), r.err());
    RgbImage input = Images.read(Golden.file("dinov2_input0.png"));
    assertTrue(r.err().contains("small.png") && r.err().contains("300x200")
        && r.err().contains(input.width() + "x" + input.height()), r.err());
    assertTrue(!Files.exists(tmp.resolve("x.safetensors")));
  }

  @Test
  void unreadableImageIsNamed() throws IOException {
    Path bad = tmp.resolve("broken.png");
    Files.writeString(bad, "this is not a PNG");
    Run r = decq("stats", "--encoder", dinov2Dir().toString(), "--images", bad.toString(), "--out",
        tmp.resolve("s.safetensors").toString());
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("broken.png"), r.err());
  }

  @Test
  void missingEncoderAndBadTapsAreUsageErrors() throws IOException {
    Run none = decq("encode", "--images", png("dinov2_input0.png"), "--out", tmp.resolve("x.safetensors").toString());
    assertEquals(2, none.code(), none.err());
    assertTrue(none.err().contains("--encoder"), none.err());
    int layers = Golden.dinov2Config().layers();
    Run taps = decq("encode", "--encoder", dinov2Dir().toString(), "--images", png("dinov2_input0.png"),
        "--hidden-states", "0," + (layers + 1), "--out", tmp.resolve("x.safetensors").toString());
    assertEquals(2, taps.code(), taps.err());
    assertTrue(taps.err().contains("out of range 0.." + layers), taps.err());
    Run family = decq("encode", "--encoder", dinov2Dir().toString(), "--family", "clip", "--images",
        png("dinov2_input0.png"), "--out", tmp.resolve("x.safetensors").toString());
    assertEquals(2, family.code(), family.err());
    assertTrue(family.err().contains("dinov2-reg, siglip2"), family.err());
  }

  @Test
  void plainLauncherExitCodeForBadInput() {
    assertEquals(2, Decq.run("encode", "--encoder", tmp.resolve("nowhere").toString(), "--images",
        png("dinov2_input0.png"), "--out", tmp.resolve("x.safetensors").toString()));
  }
}
