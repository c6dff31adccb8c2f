package io.decq.core.cli;

import static io.decq.core.io.IoFixtures.assertSameTensors;
import static io.decq.core.io.IoFixtures.expected;
import static io.decq.core.io.IoFixtures.fixture;
import static io.decq.core.io.IoFixtures.golden;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.decq.core.io.SafeTensors;
import io.decq.core.io.TorchFiles;
import io.decq.core.io.WeightFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code decq inspect} and {@code decq convert} end to end through the launcher. */
class WeightCommandsTest {
  private static final Pattern LINE = Pattern.compile(
      "^(\\S+)\\s+(\\S+)\\s+(\\[[^\\]]*\\])(?:\\s+min (\\S+)\\s+max (\\S+)\\s+mean (\\S+)|\\s+\\(empty\\))?$");

  @TempDir Path tmp;

  private static DecqCliTest.Run run(String... args) {
    return DecqCliTest.run(args);
  }

  /** One tensor line of inspect's output. */
  record Line(String dtype, String shape, double[] stats) {}

  static Map<String, Line> tensorLines(String out) {
    Map<String, Line> lines = new LinkedHashMap<>();
    for (String l : out.split("\n")) {
      Matcher m = LINE.matcher(l);
      if (m.matches()) {
        double[] stats = m.group(4) == null ? null
            : new double[] {Double.parseDouble(m.group(4)), Double.parseDouble(m.group(5)), Double.parseDouble(m.group(6))};
        lines.put(m.group(1), new Line(m.group(2), m.group(3), stats));
      }
    }
    return lines;
  }

  @ParameterizedTest
  @ValueSource(strings = {"st_f32.safetensors", "st_f16.safetensors", "st_bf16.safetensors", "st_mixed.safetensors",
      "sharded/model.safetensors.index.json", "torch_dtypes.pt", "torch_views.pt", "legacy_nested.pt",
      "np_arrays.npz", "np_compressed.npz", "np_fortran_f32.npy"})
  void inspectListsNamesDtypesShapesAndStats(String name) {
    DecqCliTest.Run r = run("inspect", "--stats", fixture(name).toString());
    assertEquals(0, r.code(), r.err());
    Map<String, Line> lines = tensorLines(r.out());
    JsonObject want = expected(name).getAsJsonObject("tensors");
    assertEquals(want.keySet(), lines.keySet(), r.out());
    long values = 0;
    for (Map.Entry<String, JsonElement> e : want.entrySet()) {
      JsonObject t = e.getValue().getAsJsonObject();
      Line line = lines.get(e.getKey());
      assertEquals(t.get("dtype").getAsString(), line.dtype(), e.getKey());
      assertEquals(t.get("shape").toString().replace(",", ", "), line.shape(), e.getKey());
      JsonArray v = t.getAsJsonArray("values");
      values += v.size();
      if (v.size() == 0) {
        continue;
      }
      double min = Double.POSITIVE_INFINITY;
      double max = Double.NEGATIVE_INFINITY;
      double sum = 0;
      for (JsonElement x : v) {
        min = Math.min(min, x.getAsDouble());
        max = Math.max(max, x.getAsDouble());
        sum += x.getAsDouble();
      }
      double[] want3 = {min, max, sum / v.size()};
      for (int i = 0; i < 3; i++) {
        double tol = 1e-5 * Math.max(Math.abs(want3[i]), Math.max(Math.abs(min), Math.abs(max)) * 1e-6) + 1e-300;
        assertEquals(want3[i], line.stats()[i], tol, e.getKey() + " stat " + i + " in " + r.out());
      }
    }
    assertTrue(r.out().trim().endsWith(want.size() + " tensors, " + values + " values"), r.out());
  }

  @Test
  void inspectShowsNonTensorEntriesAndMetadata() {
    DecqCliTest.Run r = run("inspect", fixture("torch_nested.pt").toString());
    assertEquals(0, r.code(), r.err());
    for (String l : List.of("non-tensor entries:", "  step = 3", "  epoch = 1", "  lr = 0.5", "  name = 'demo'",
        "  scheduler = None", "  betas = [0.9, 0.95]", "  tag = bytes of length 2")) {
      assertTrue(r.out().contains(l + "\n"), l + " missing in\n" + r.out());
    }
    DecqCliTest.Run st = run("inspect", fixture("st_f32.safetensors").toString());
    assertTrue(st.out().contains("metadata:\n  format = pt\n"), st.out());
  }

  @Test
  void inspectKeySelectsAndStripsAPrefix() {
    DecqCliTest.Run r = run("inspect", fixture("torch_nested.pt").toString(), "--key", "ema");
    assertEquals(0, r.code(), r.err());
    assertEquals(List.of("blocks.0.w", "blocks.0.b"), new ArrayList<>(tensorLines(r.out()).keySet()));
    assertFalse(r.out().contains("non-tensor entries"), r.out());
    DecqCliTest.Run bad = run("inspect", fixture("torch_nested.pt").toString(), "--key", "emma");
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("--key emma: no tensors under this key; top-level keys: ema, history, model, pos_embed"),
        bad.err());
  }

  @Test
  void convertTrainingCheckpointKeyToSafetensors() {
    Path in = fixture("torch_nested.pt");
    Path out = tmp.resolve("ema.safetensors");
    DecqCliTest.Run r = run("convert", in.toString(), out.toString(), "--key", "ema");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("wrote " + out + ": 2 tensors, 9 values"), r.out());
    SafeTensors.Contents back = SafeTensors.readWithMetadata(out);
    assertSameTensors("ema", WeightFiles.select(in, TorchFiles.read(in), "ema"), back.tensors());
    assertEquals(Map.of("format", "pt", "source", "torch_nested.pt", "source_key", "ema"), back.metadata());

    Path all = tmp.resolve("all.safetensors");
    DecqCliTest.Run whole = run("convert", in.toString(), all.toString());
    assertEquals(0, whole.code(), whole.err());
    assertTrue(whole.out().contains("left out 7 non-tensor entries: step, epoch, lr, name, scheduler, betas, tag"),
        whole.out());
    assertSameTensors("all", TorchFiles.read(in), SafeTensors.read(all));
  }

  @Test
  void convertGoldenCheckpointsMatchesTheirTwins() {
    Path lpips = tmp.resolve("lpips.safetensors");
    assertEquals(0, run("convert", golden("losses/lpips/lpips_v0.1_vgg_lin.pth").toString(), lpips.toString()).code());
    assertSameTensors("lpips", SafeTensors.read(golden("losses/lpips/lpips_v0.1_vgg_lin.safetensors")),
        SafeTensors.read(lpips));
    Path guide = tmp.resolve("guide.safetensors");
    DecqCliTest.Run r = run("convert", golden("rae/dit/guide_checkpoint_train_format.pt").toString(), guide.toString(),
        "--key", "ema");
    assertEquals(0, r.code(), r.err());
    assertSameTensors("guide ema", SafeTensors.read(golden("rae/dit/guide_state_dict.safetensors")),
        SafeTensors.read(guide));
  }

  @Test
  void convertNpzAndNpyKeepDtypes() {
    for (String name : List.of("np_compressed.npz", "np_u8.npy", "st_bf16.safetensors")) {
      Path out = tmp.resolve(name + ".safetensors");
      DecqCliTest.Run r = run("convert", fixture(name).toString(), out.toString());
      assertEquals(0, r.code(), r.err());
      assertSameTensors(name, WeightFiles.read(fixture(name)), SafeTensors.read(out));
    }
  }

  @Test
  void convertRefusesANonSafetensorsOutput() {
    DecqCliTest.Run r = run("convert", fixture("torch_dtypes.pt").toString(), tmp.resolve("out.pt").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("the output must be a .safetensors file"), r.err());
  }

  /** Bad files through the launcher: exit 2, one line naming the file, never a stack trace. */
  @Test
  void badFilesExitTwoWithOneLine() throws IOException {
    Path truncated = tmp.resolve("truncated.pt");
    byte[] pt = Files.readAllBytes(fixture("torch_dtypes.pt"));
    Files.write(truncated, Arrays.copyOf(pt, pt.length / 2));
    Path header = tmp.resolve("header.safetensors");
    Files.write(header, new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '{', '{', '{', '{', '{', '{', '{'});
    Path unknown = tmp.resolve("weights.onnx");
    Files.writeString(unknown, "onnx");
    Path legacyCut = tmp.resolve("legacy.pth");
    byte[] legacy = Files.readAllBytes(fixture("legacy_nested.pt"));
    Files.write(legacyCut, Arrays.copyOf(legacy, legacy.length - 100));
    Map<Path, String> cases = new LinkedHashMap<>();
    cases.put(truncated, "truncated");
    cases.put(header, "header is not valid JSON");
    cases.put(unknown, "unknown weight file type");
    cases.put(legacyCut, "truncated: storage");
    cases.put(tmp.resolve("missing.safetensors"), "file not found");
    for (Map.Entry<Path, String> c : cases.entrySet()) {
      for (String cmd : List.of("inspect", "convert")) {
        DecqCliTest.Run r = cmd.equals("inspect") ? run("inspect", c.getKey().toString())
            : run("convert", c.getKey().toString(), tmp.resolve("o.safetensors").toString());
        assertEquals(2, r.code(), cmd + " " + c.getKey() + ": " + r.err());
        String err = r.err().trim();
        assertTrue(err.startsWith("decq " + cmd + ": " + c.getKey() + ":"), err);
        assertTrue(err.contains(c.getValue()), err);
        assertFalse(err.contains("\n"), "one line: " + err);
      }
    }
  }
}
