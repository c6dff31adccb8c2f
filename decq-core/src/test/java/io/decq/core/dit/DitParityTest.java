package io.decq.core.dit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.decq.core.error.BadInputException;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import io.decq.core.io.TorchFiles;
import io.decq.core.latent.LatentLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DiT-DH with 0 queries against RAE's own {@code DiTwDDTHead} ({@code golden/rae/dit}, see its README):
 * forward output, every intermediate, the guide model, and the official {@code .pt} files. Every size
 * comes from the case's config.json / guide_config.json and the tensor shapes.
 */
@Tag("parity")
class DitParityTest {
  /** README: a float32 re-implementation should meet ~1e-4 absolute on forward outputs (f32-vs-f64 gap 1.9e-6). */
  static final double TOLERANCE = 1e-4;

  static NDManager manager;
  static Path dir;
  static Map<String, HostTensor> io;

  @BeforeAll
  static void setUp() {
    manager = NDManager.newBaseManager();
    dir = Path.of(System.getProperty("decq.golden.dir", "../src-test-data/golden"), "rae", "dit");
    io = SafeTensors.read(dir.resolve("io.safetensors"));
  }

  @AfterAll
  static void tearDown() {
    manager.close();
  }

  static DitDH model(String config, String weights) {
    DitDH dit = new DitDH(DitArchitecture.fromRaeConfig(dir.resolve(config), 0));
    dit.materialize(manager, 0);
    if (weights != null) {
      dit.loadWeights(dir.resolve(weights));
    }
    return dit;
  }

  static NDArray array(NDManager m, String name) {
    HostTensor t = io.get(name);
    return t.dtype().isFloating() ? m.create(t.toFloats(), new Shape(t.shape())) : m.create(t.toLongs(), new Shape(t.shape()));
  }

  /** The golden 2-D latent as joint tokens, the model's output back as RAE's 2-D latent. */
  static NDArray run(DitDH dit, NDManager m, String x, String t, String y, Map<String, NDArray> taps) {
    LatentLayout layout = dit.layout();
    NDArray tokens = layout.join(null, layout.fromGrid(array(m, x))); // (B, T, C)
    NDArray out = taps == null ? dit.forward(null, tokens, array(m, t), array(m, y), false)
        : dit.forward(tokens, array(m, t), array(m, y), taps::put);
    return layout.toGrid(layout.splitPatches(out)); // (B, C, g, g)
  }

  static double assertClose(String what, HostTensor expected, NDArray actual, double tol) {
    assertArrayEquals(expected.shape(), actual.getShape().getShape(), what + ": shape");
    double[] e = expected.toDoubles();
    float[] a = actual.toFloatArray();
    double max = 0;
    double scale = 0;
    for (int i = 0; i < e.length; i++) {
      max = Math.max(max, Math.abs(e[i] - a[i]));
      scale = Math.max(scale, Math.abs(e[i]));
    }
    System.out.printf(Locale.ROOT, "%-40s max|diff| %.3g (|ref| <= %.3g, bound %.1g)%n", what, max, scale, tol);
    assertTrue(max <= tol, what + ": max |diff| " + max + " > " + tol);
    return max;
  }

  @Test
  void architectureComesFromTheConfig() throws IOException {
    JsonObject c = JsonParser.parseString(Files.readString(dir.resolve("config.json"))).getAsJsonObject();
    DitArchitecture a = DitArchitecture.fromRaeConfig(dir.resolve("config.json"), 0);
    assertEquals(c.getAsJsonArray("hidden_size").get(0).getAsInt(), a.backbone().width());
    assertEquals(c.getAsJsonArray("hidden_size").get(1).getAsInt(), a.head().width());
    assertEquals(c.getAsJsonArray("depth").get(0).getAsInt(), a.backbone().depth());
    assertEquals(c.getAsJsonArray("depth").get(1).getAsInt(), a.head().depth());
    assertEquals(c.get("input_size").getAsInt(), a.layout().grid());
    assertEquals(c.get("in_channels").getAsInt(), a.layout().channels());
    assertEquals(c.get("num_classes").getAsInt(), a.numClasses());
    HostTensor out = io.get("out");
    assertArrayEquals(new long[] {out.shape()[0], a.layout().channels(), a.layout().grid(), a.layout().grid()}, out.shape());
  }

  @Test
  void keysAndShapesAreRaes() throws IOException {
    DitDH dit = model("config.json", null);
    Map<String, long[]> ours = new LinkedHashMap<>();
    dit.namedParameters().forEach((k, p) -> ours.put(k, p.getArray().getShape().getShape()));
    List<String> lines = Files.readAllLines(dir.resolve("state_dict_keys.tsv"));
    Map<String, String> theirs = new LinkedHashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split("\t");
      theirs.put(f[0], f[1]);
    }
    assertEquals(theirs.keySet(), ours.keySet());
    for (Map.Entry<String, String> e : theirs.entrySet()) {
      assertEquals(e.getValue(), Arrays.toString(ours.get(e.getKey())), e.getKey());
    }
  }

  @Test
  void fixedTablesEqualRaesInit() {
    DitDH dit = model("config.json", null);
    Map<String, HostTensor> ours = dit.stateDict();
    Map<String, HostTensor> theirs = SafeTensors.read(dir.resolve("state_dict.safetensors"));
    for (String k : List.of("pos_embed", "enc_feat_rope.freqs_cos", "enc_feat_rope.freqs_sin", "dec_feat_rope.freqs_cos",
        "dec_feat_rope.freqs_sin")) {
      double max = 0;
      double[] a = ours.get(k).toDoubles();
      double[] b = theirs.get(k).toDoubles();
      for (int i = 0; i < a.length; i++) {
        max = Math.max(max, Math.abs(a[i] - b[i]));
      }
      System.out.printf(Locale.ROOT, "%-40s max|diff| %.3g%n", k + " (init)", max);
      assertTrue(max < 1e-6, k + ": " + max);
    }
  }

  @Test
  void forwardAndEveryIntermediateMatch() {
    DitDH dit = model("config.json", "state_dict.safetensors");
    try (NDManager m = manager.newSubManager()) {
      Map<String, NDArray> taps = new LinkedHashMap<>();
      NDArray out = run(dit, m, "x", "t", "y", taps);
      int checked = 0;
      for (Map.Entry<String, HostTensor> e : io.entrySet()) {
        if (e.getKey().startsWith("inter.")) {
          NDArray ours = taps.get(e.getKey().substring("inter.".length()));
          assertTrue(ours != null, "no intermediate for " + e.getKey());
          assertClose(e.getKey(), e.getValue(), ours, TOLERANCE);
          checked++;
        }
      }
      assertTrue(checked >= dit.architecture().backbone().depth() + dit.architecture().head().depth());
      assertClose("out", io.get("out"), out, TOLERANCE);
    }
  }

  @Test
  void nullClassBatchMatches() {
    DitDH dit = model("config.json", "state_dict.safetensors");
    try (NDManager m = manager.newSubManager()) {
      assertTrue(Arrays.stream(io.get("cfg_y").toLongs()).anyMatch(v -> v == dit.nullClass()));
      assertClose("cfg_forward", io.get("cfg_forward"), run(dit, m, "cfg_x", "cfg_t", "cfg_y", null), TOLERANCE);
    }
  }

  @Test
  void officialPtStateDictLoadsWithNoKeyLeftOver() {
    Map<String, HostTensor> pt = TorchFiles.read(dir.resolve("state_dict.pt"));
    DitDH dit = model("config.json", "state_dict.pt");
    assertEquals(pt.keySet(), dit.namedParameters().keySet());
    try (NDManager m = manager.newSubManager()) {
      assertClose("out (state_dict.pt)", io.get("out"), run(dit, m, "x", "t", "y", null), TOLERANCE);
    }
  }

  @Test
  void guideModelFromStateDictAndTrainingCheckpoint() {
    DitDH fromSafetensors = model("guide_config.json", "guide_state_dict.safetensors");
    DitDH fromCheckpoint = model("guide_config.json", "guide_checkpoint_train_format.pt");
    Map<String, HostTensor> ema = new LinkedHashMap<>();
    TorchFiles.read(dir.resolve("guide_checkpoint_train_format.pt")).forEach((k, v) -> {
      if (k.startsWith("ema.")) {
        ema.put(k.substring(4), v);
      }
    });
    assertEquals(ema.keySet(), fromCheckpoint.namedParameters().keySet());
    try (NDManager m = manager.newSubManager()) {
      assertClose("guide_out (safetensors)", io.get("guide_out"), run(fromSafetensors, m, "x", "t", "y", null), TOLERANCE);
      assertClose("guide_out (train-format 'ema')", io.get("guide_out"), run(fromCheckpoint, m, "x", "t", "y", null), TOLERANCE);
    }
  }

  @Test
  void checkpointOfAnotherSizeIsOneClearLine() {
    DitDH dit = model("config.json", null);
    BadInputException e = assertThrows(BadInputException.class, () -> dit.loadWeights(dir.resolve("guide_state_dict.safetensors")));
    assertTrue(e.getMessage().contains("a DiT-DH checkpoint of another size"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  @Test
  void missingAndUnexpectedKeysAreReportedTogether(@TempDir Path tmp) {
    Map<String, HostTensor> state = new LinkedHashMap<>(SafeTensors.read(dir.resolve("state_dict.safetensors")));
    List<String> removed = new ArrayList<>(List.of("t_embedder.W", "blocks.1.attn.qkv.bias"));
    removed.forEach(state::remove);
    state.put("extra.weight", state.get("pos_embed"));
    Path file = tmp.resolve("broken.safetensors");
    SafeTensors.write(file, state, Map.of());
    DitDH dit = model("config.json", null);
    BadInputException e = assertThrows(BadInputException.class, () -> dit.loadWeights(file));
    for (String k : List.of("t_embedder.W", "blocks.1.attn.qkv.bias", "extra.weight")) {
      assertTrue(e.getMessage().contains(k), e.getMessage());
    }
  }

  @Test
  void unsupportedFlagsAreRefused(@TempDir Path tmp) throws IOException {
    String config = Files.readString(dir.resolve("config.json"));
    for (String[] change : new String[][] {{"\"use_qknorm\": false", "\"use_qknorm\": true"},
        {"\"use_swiglu\": true", "\"use_swiglu\": false"}, {"\"patch_size\": 1", "\"patch_size\": 2"}}) {
      assertTrue(config.contains(change[0]), change[0]);
      Path f = tmp.resolve("c.json");
      Files.writeString(f, config.replace(change[0], change[1]));
      BadInputException e = assertThrows(BadInputException.class, () -> DitArchitecture.fromRaeConfig(f, 0));
      assertTrue(e.getMessage().contains(change[1].substring(1, change[1].indexOf('"', 1))), e.getMessage());
    }
  }
}
