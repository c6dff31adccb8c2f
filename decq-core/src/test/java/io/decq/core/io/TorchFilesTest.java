package io.decq.core.io;

import static io.decq.core.io.IoFixtures.assertSameTensors;
import static io.decq.core.io.IoFixtures.assertTensors;
import static io.decq.core.io.IoFixtures.expected;
import static io.decq.core.io.IoFixtures.fixture;
import static io.decq.core.io.IoFixtures.golden;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.decq.core.error.BadInputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** torch.save files, zip and legacy, against what torch.load read from the same committed files. */
class TorchFilesTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"torch_dtypes.pt", "torch_views.pt", "torch_nested.pt", "torch_archive_records.pt",
      "legacy_nested.pt"})
  void readsWhatTorchLoadReads(String name) {
    TorchFiles.Contents c = TorchFiles.readContents(fixture(name));
    assertTensors(name, c.tensors());
    JsonObject others = expected(name).getAsJsonObject("non_tensors");
    assertEquals(others.keySet(), c.nonTensors().keySet(), name + ": non-tensor entries");
  }

  @Test
  void keepsThePickleOrder() {
    Map<String, HostTensor> t = TorchFiles.read(fixture("torch_dtypes.pt"));
    assertEquals(List.of("f32", "f64", "f16", "bf16", "i64", "i32", "i16", "i8", "u8", "bool", "scalar", "empty"),
        List.copyOf(t.keySet()));
  }

  @Test
  void nonTensorLeavesComeBackAsPlainValues() {
    Map<String, Object> o = TorchFiles.readContents(fixture("torch_nested.pt")).nonTensors();
    assertEquals(3L, o.get("step"));
    assertEquals(1L, o.get("epoch"));
    assertEquals(0.5, o.get("lr"));
    assertEquals("demo", o.get("name"));
    assertTrue(o.containsKey("scheduler"));
    assertNull(o.get("scheduler"));
    assertEquals(List.of(0.9, 0.95), o.get("betas"));
    assertArrayEquals("ab".getBytes(StandardCharsets.US_ASCII), (byte[]) o.get("tag"));
    Map<String, Object> legacy = TorchFiles.readContents(fixture("legacy_nested.pt")).nonTensors();
    assertEquals(Map.of("step", 7L, "name", "legacy"), legacy);
  }

  @Test
  void contiguousTensorsAreSlicesOfTheMappingAndViewsAreCopies() {
    Map<String, HostTensor> t = TorchFiles.read(fixture("torch_views.pt"));
    assertTrue(t.get("base").data().isDirect(), "a contiguous tensor should be a slice of the file mapping");
    assertTrue(t.get("row_slice").data().isDirect(), "a contiguous slice with an offset needs no copy either");
    assertFalse(t.get("transposed").data().isDirect());
    // a transposed view read in C order is the transpose of the base
    HostTensor base = t.get("base");
    HostTensor tr = t.get("transposed");
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 4; j++) {
        assertEquals(base.getDouble(i * 4 + j), tr.getDouble(j * 3 + i), 0.0);
      }
    }
  }

  @Test
  void goldenZipFilesEqualTheirSafetensorsTwins() {
    String[][] pairs = {
      {"losses/disc/disc_heads.pt", "losses/disc/disc_heads.safetensors"},
      {"losses/disc/dino_backbone.pth", "losses/disc/dino_backbone.safetensors"},
      {"rae/decoder/state_dict.pt", "rae/decoder/state_dict.safetensors"},
    };
    for (String[] p : pairs) {
      assertSameTensors(p[0], SafeTensors.read(golden(p[1])), TorchFiles.read(golden(p[0])));
    }
  }

  @Test
  void goldenLegacyLpipsFileEqualsItsSafetensorsTwin() {
    assertSameTensors("lpips_v0.1_vgg_lin.pth", SafeTensors.read(golden("losses/lpips/lpips_v0.1_vgg_lin.safetensors")),
        TorchFiles.read(golden("losses/lpips/lpips_v0.1_vgg_lin.pth")));
  }

  @Test
  void goldenLegacyTorchvisionFormatWithFourArgumentRebuild() {
    String name = "losses/lpips/vgg16_torchvision_format_subset.pth";
    assertTensors("golden:" + name, TorchFiles.read(golden(name)));
  }

  @Test
  void trainingCheckpointEmaEqualsTheGuideStateDict() {
    TorchFiles.Contents c = TorchFiles.readContents(golden("rae/dit/guide_checkpoint_train_format.pt"));
    Map<String, HostTensor> ema = WeightFiles.select(Path.of("ckpt"), c.tensors(), "ema");
    assertSameTensors("ema", SafeTensors.read(golden("rae/dit/guide_state_dict.safetensors")), ema);
    assertEquals(1L, c.nonTensors().get("step"));
    assertEquals(List.of(0.9, 0.95), c.nonTensors().get("optimizer.param_groups.0.betas"));
    assertTrue(c.tensors().containsKey("optimizer.state.1.exp_avg"), "integer dict keys make names");
  }

  @Test
  void weightFilesDispatchesTorchSuffixes() throws IOException {
    for (String suffix : new String[] {".pth", ".bin", ".ckpt"}) {
      Path copy = tmp.resolve("weights" + suffix);
      Files.copy(fixture("torch_dtypes.pt"), copy);
      assertTensors("torch_dtypes.pt", WeightFiles.read(copy));
    }
  }

  // ---- bad files: each a BadInputException naming the file and what is wrong ----

  private static String fails(Path file) {
    BadInputException e = assertThrows(BadInputException.class, () -> TorchFiles.read(file));
    assertTrue(e.getMessage().startsWith(file.toString()), "message should name the file: " + e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    return e.getMessage();
  }

  private Path write(String name, byte[] bytes) throws IOException {
    Path p = tmp.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  @Test
  void truncatedZipFails() throws IOException {
    byte[] all = Files.readAllBytes(fixture("torch_dtypes.pt"));
    for (int cut : new int[] {all.length - 10, all.length / 2, 30, 3}) {
      String m = fails(write("cut" + cut + ".pt", Arrays.copyOf(all, cut)));
      assertTrue(m.contains("truncated") || m.contains("not a torch.save file"), m);
    }
  }

  @Test
  void corruptZipRecordFailsItsCrcCheck() throws IOException {
    byte[] all = Files.readAllBytes(fixture("torch_views.pt"));
    String text = new String(all, StandardCharsets.ISO_8859_1);
    int at = text.indexOf("transposed");
    all[at] = 'T';
    String m = fails(write("crc.pt", all));
    assertTrue(m.contains("torch_views/data.pkl fails its CRC-32 check"), m);
  }

  @Test
  void corruptCentralDirectoryFails() throws IOException {
    byte[] all = Files.readAllBytes(fixture("torch_views.pt"));
    String text = new String(all, StandardCharsets.ISO_8859_1);
    int central = text.lastIndexOf("PK\u0001\u0002");
    all[central + 2] = 9;
    String m = fails(write("cd.pt", all));
    assertTrue(m.contains("damaged"), m);
  }

  @Test
  void truncatedLegacyStreamFails() throws IOException {
    byte[] all = Files.readAllBytes(fixture("legacy_nested.pt"));
    String inData = fails(write("cut_data.pt", Arrays.copyOf(all, all.length - 5)));
    assertTrue(inData.contains("truncated: storage"), inData);
    String inPickle = fails(write("cut_pickle.pt", Arrays.copyOf(all, 200)));
    assertTrue(inPickle.contains("truncated pickle"), inPickle);
  }

  @Test
  void unknownOpcodeFails() throws IOException {
    byte[] pickle = {(byte) 0x80, 2, (byte) 0xfe, '.'};
    String m = fails(zipOf("bad.pt", pickle));
    assertTrue(m.contains("unknown pickle opcode 0xfe"), m);
    String set = fails(zipOf("set.pt", new byte[] {(byte) 0x80, 4, (byte) 0x8f, '.'}));
    assertTrue(set.contains("unsupported pickle opcode EMPTY_SET (0x8f)"), set);
  }

  /** {@code os.system('echo pwned')}, hand-written: GLOBAL 'os system', a string, TUPLE1, REDUCE. */
  private static byte[] osSystemPickle() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(new byte[] {(byte) 0x80, 2});
    b.writeBytes("cos\nsystem\n".getBytes(StandardCharsets.US_ASCII));
    b.write('X');
    byte[] cmd = "echo pwned".getBytes(StandardCharsets.US_ASCII);
    b.writeBytes(new byte[] {(byte) cmd.length, 0, 0, 0});
    b.writeBytes(cmd);
    b.write(0x85);
    b.write('R');
    b.write('.');
    return b.toByteArray();
  }

  @Test
  void disallowedGlobalIsRefusedNeverCalled() throws IOException {
    String m = fails(zipOf("evil.pt", osSystemPickle()));
    assertTrue(m.contains("refusing to load global os.system"), m);
    // the same pickle as the object of a legacy stream
    ByteArrayOutputStream legacy = new ByteArrayOutputStream();
    legacy.writeBytes(legacyPreamble());
    legacy.writeBytes(osSystemPickle());
    String l = fails(write("evil_legacy.pt", legacy.toByteArray()));
    assertTrue(l.contains("refusing to load global os.system"), l);
    String stack = fails(zipOf("stack.pt", new byte[] {(byte) 0x80, 4, (byte) 0x8c, 8, 'b', 'u', 'i', 'l', 't', 'i', 'n',
        's', (byte) 0x8c, 4, 'e', 'v', 'a', 'l', (byte) 0x93, '.'}));
    assertTrue(stack.contains("refusing to load global builtins.eval"), stack);
  }

  @Test
  void craftedContainersFailInsteadOfLooping() throws IOException {
    // a list that contains itself: EMPTY_LIST, BINPUT 0, BINGET 0, APPEND
    String cyclic = fails(zipOf("cyclic.pt", new byte[] {(byte) 0x80, 2, ']', 'q', 0, 'h', 0, 'a', '.'}));
    assertTrue(cyclic.contains("containers nest deeper than 64 levels"), cyclic);
    // a list used as a dict key
    String key = fails(zipOf("key.pt", new byte[] {(byte) 0x80, 2, '}', ']', 'K', 1, 's', '.'}));
    assertTrue(key.contains("dict key a list of 0 is not a string or number"), key);
    // 2^25 paths through 25 lists that each hold the previous one twice
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(new byte[] {(byte) 0x80, 2, ']', 'q', 0});
    for (int i = 1; i <= 25; i++) {
      b.writeBytes(new byte[] {']', 'q', (byte) i, '(', 'h', (byte) (i - 1), 'h', (byte) (i - 1), 'e'});
    }
    b.write('.');
    String laughs = fails(zipOf("laughs.pt", b.toByteArray()));
    assertTrue(laughs.contains("more than 1000000 entries"), laughs);
  }

  @Test
  void bigEndianStoragesAreRefused() throws IOException {
    Path src = fixture("torch_archive_records.pt");
    Path out = tmp.resolve("big.pt");
    try (ZipFile in = new ZipFile(src.toFile());
        ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(out))) {
      for (ZipEntry e : Collections.list(in.entries())) {
        byte[] data = e.getName().endsWith("byteorder") ? "big".getBytes(StandardCharsets.US_ASCII)
            : in.getInputStream(e).readAllBytes();
        putStored(z, e.getName(), data);
      }
    }
    assertTrue(fails(out).contains("big-endian"));
  }

  @Test
  void tensorReachingPastItsStorageFails() throws IOException {
    // _rebuild_tensor_v2(('storage', FloatStorage, '0', 'cpu', 2), 0, (3,), (1,), False, OrderedDict())
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(new byte[] {(byte) 0x80, 2, '}', '('});
    b.writeBytes(str("w"));
    b.writeBytes("ctorch._utils\n_rebuild_tensor_v2\n".getBytes(StandardCharsets.US_ASCII));
    b.writeBytes(new byte[] {'(', '('});
    b.writeBytes(str("storage"));
    b.writeBytes("ctorch\nFloatStorage\n".getBytes(StandardCharsets.US_ASCII));
    b.writeBytes(str("0"));
    b.writeBytes(str("cpu"));
    b.writeBytes(new byte[] {'K', 2, 't', 'Q', 'K', 0, 'K', 3, (byte) 0x85, 'K', 1, (byte) 0x85, (byte) 0x89, ')', 't', 'R',
        'u', '.'});
    Path p = tmp.resolve("past.pt");
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
      putStored(z, "past/data.pkl", b.toByteArray());
      putStored(z, "past/data/0", new byte[8]);
      putStored(z, "past/version", "3\n".getBytes(StandardCharsets.US_ASCII));
    }
    String m = fails(p);
    assertTrue(m.contains("tensor 'w' reads past the end of its storage (2 elements)"), m);
  }

  /** The legacy stream's magic number, protocol and sys-info pickles, as torch writes them. */
  private static byte[] legacyPreamble() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9,
        0x20, 0x6a, (byte) 0xa8, 0x50, 0x19, '.'});
    b.writeBytes(new byte[] {(byte) 0x80, 2, 'M', (byte) 0xe9, 0x03, '.'});
    b.writeBytes(new byte[] {(byte) 0x80, 2, '}', '('});
    b.writeBytes(str("little_endian"));
    b.writeBytes(new byte[] {(byte) 0x88, 'u', '.'});
    return b.toByteArray();
  }

  /**
   * Storage views of the oldest legacy files: {@code ('storage', FloatStorage, 'k', 'cpu', 4, ('kv', 1, 2))}
   * is elements 1..2 of storage k (torch.serialization._legacy_load), here under a 4-argument
   * {@code _rebuild_tensor}.
   */
  @Test
  void legacyStorageViewsAreHonoured() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(legacyPreamble());
    b.writeBytes(new byte[] {(byte) 0x80, 2, '}', '('});
    b.writeBytes(str("v"));
    b.writeBytes("ctorch._utils\n_rebuild_tensor\n".getBytes(StandardCharsets.US_ASCII));
    b.writeBytes(new byte[] {'(', '('});
    b.writeBytes(str("storage"));
    b.writeBytes("ctorch\nFloatStorage\n".getBytes(StandardCharsets.US_ASCII));
    b.writeBytes(str("k"));
    b.writeBytes(str("cpu"));
    b.writeBytes(new byte[] {'K', 4});
    b.writeBytes(str("kv"));
    b.writeBytes(new byte[] {'K', 1, 'K', 2, (byte) 0x87, 't', 'Q', 'K', 0, 'K', 2, (byte) 0x85, 'K', 1, (byte) 0x85,
        't', 'R', 'u', '.'});
    b.writeBytes(new byte[] {(byte) 0x80, 2, ']', '('});
    b.writeBytes(str("k"));
    b.writeBytes(new byte[] {'e', '.'});
    ByteBuffer data = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    data.putLong(4).putFloat(1f).putFloat(2f).putFloat(3f).putFloat(4f);
    b.writeBytes(data.array());
    HostTensor v = TorchFiles.read(write("view.pt", b.toByteArray())).get("v");
    assertArrayEquals(new long[] {2}, v.shape());
    assertArrayEquals(new float[] {2f, 3f}, v.toFloats());
  }

  @Test
  void notATorchFileFails() throws IOException {
    assertTrue(fails(write("text.pt", "hello world".getBytes(StandardCharsets.US_ASCII))).contains("not a torch.save file"));
    assertTrue(fails(write("empty.pt", new byte[0])).contains("the file is empty"));
    assertTrue(fails(tmp.resolve("missing.pt")).contains("file not found"));
    Path npz = tmp.resolve("arrays.pt");
    Files.copy(fixture("np_arrays.npz"), npz);
    assertTrue(fails(npz).contains("without NAME/data.pkl"));
  }

  private static byte[] str(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[b.length + 5];
    out[0] = 'X';
    out[1] = (byte) b.length;
    System.arraycopy(b, 0, out, 5, b.length);
    return out;
  }

  private Path zipOf(String name, byte[] pickle) throws IOException {
    Path p = tmp.resolve(name);
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
      putStored(z, "archive/data.pkl", pickle);
      putStored(z, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
    }
    return p;
  }

  private static void putStored(ZipOutputStream z, String name, byte[] data) throws IOException {
    ZipEntry e = new ZipEntry(name);
    e.setMethod(ZipEntry.STORED);
    e.setSize(data.length);
    e.setCompressedSize(data.length);
    CRC32 crc = new CRC32();
    crc.update(data);
    e.setCrc(crc.getValue());
    z.putNextEntry(e);
    z.write(data);
    z.closeEntry();
  }

  @Test
  void deflatedRecordsAreReadToo() throws IOException {
    Path src = fixture("torch_dtypes.pt");
    Path out = tmp.resolve("deflated.pt");
    Map<String, byte[]> records = new LinkedHashMap<>();
    try (ZipFile in = new ZipFile(src.toFile())) {
      for (ZipEntry e : Collections.list(in.entries())) {
        records.put(e.getName(), in.getInputStream(e).readAllBytes());
      }
    }
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(out))) {
      for (Map.Entry<String, byte[]> r : records.entrySet()) {
        z.putNextEntry(new ZipEntry(r.getKey()));
        z.write(r.getValue());
        z.closeEntry();
      }
    }
    assertTensors("torch_dtypes.pt", TorchFiles.read(out));
  }
}
