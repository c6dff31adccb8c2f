package io.decq.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.decq.core.cli.Decq;
import io.decq.core.io.HostTensor;
import io.decq.core.io.Npz;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code decq sample} end to end on tiny trained runs: sharding and merging are byte-exact, other batch sizes
 * differ by float rounding only, w = 1 is no guidance, and every bad input is one line with exit code 2. (That
 * guidance with w != 1 changes the velocity is shown where it is measurable: the flow package's GuidanceTest and
 * the parity against RAE's forward_with_cfg; a denoiser trained for 2 steps barely depends on its label.)
 */
class SampleCommandTest {
  @TempDir static Path tmp;
  static Path stage1;
  static Path stage2;
  static Path stage1NoQueries;
  static Path stage2NoQueries;

  @BeforeAll
  static void train() throws Exception {
    Path images = TinyRuns.images(tmp);
    stage1 = TinyRuns.stage1(tmp, "ae", images);
    stage2 = TinyRuns.stage2(tmp, "dit", stage1, images);
    stage1NoQueries = TinyRuns.stage1(tmp, "ae-rae", images, "queries.count=0");
    stage2NoQueries = TinyRuns.stage2(tmp, "dit-rae", stage1NoQueries, images);
  }

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    CommandLine cl = Decq.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(all.toArray(new String[0]));
    return new Run(code, out.toString(), err.toString());
  }

  static Run sample(Path out, String... extra) {
    List<String> args = new ArrayList<>(List.of("sample", "--dit", stage2.toString(), "--num", "6", "--seed", "3",
        "--out", out.toString(), "--device=cpu"));
    args.addAll(List.of(extra));
    return run(args.toArray(new String[0]));
  }

  @Test
  void shardedRunsMergeToTheUnshardedRunByteForByte() throws Exception {
    Run all = sample(tmp.resolve("all"), "--batch", "2");
    assertEquals(0, all.code(), all.err());
    List<String> shards = new ArrayList<>(List.of("sample", "merge"));
    for (int i = 0; i < 3; i++) {
      Path dir = tmp.resolve("shard" + i);
      assertEquals(0, sample(dir, "--batch", "2", "--shard", i + "/3").code());
      shards.add(dir.toString());
    }
    shards.addAll(List.of("--out", tmp.resolve("merged").toString()));
    Run merged = run(shards.toArray(new String[0]));
    assertEquals(0, merged.code(), merged.err());
    SamplingJobTest.assertSameFiles(tmp.resolve("all"), tmp.resolve("merged"));
    Map<String, HostTensor> npz = Npz.read(tmp.resolve("all").resolve(SampleStore.NPZ));
    long[] shape = npz.get("arr_0").shape();
    assertEquals(6, shape[0]);
    assertEquals(3, shape[3]);
    assertArrayEquals(new long[] {0, 1, 0, 1, 0, 1}, npz.get("arr_1").toLongs(), "equal labels: i mod K");
    assertTrue(Files.isRegularFile(tmp.resolve("all").resolve(SampleStore.GRID)));
    assertTrue(Files.readString(tmp.resolve("all").resolve(SampleStore.PROVENANCE)).contains("dit_sha256"));
  }

  @Test
  void anotherBatchSizeDiffersByFloatRoundingOnly() {
    assertEquals(0, sample(tmp.resolve("b1"), "--batch", "1").code());
    assertEquals(0, sample(tmp.resolve("b3"), "--batch", "3").code());
    byte[] a = pixels(tmp.resolve("b1"));
    byte[] b = pixels(tmp.resolve("b3"));
    int max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs((a[i] & 0xFF) - (b[i] & 0xFF)));
    }
    System.out.println("batch 1 vs batch 3: max pixel difference " + max + " (of 255)");
    assertTrue(max <= 2, "max pixel difference " + max);
  }

  @Test
  void scaleOneIsNoGuidance() throws Exception {
    assertEquals(0, sample(tmp.resolve("plain"), "--batch", "3").code());
    assertEquals(0, sample(tmp.resolve("cfg1"), "--batch", "3", "--cfg-scale", "1").code());
    assertEquals(0, sample(tmp.resolve("ag1"), "--batch", "3", "--guide", stage2.toString(), "--guide-scale", "1").code());
    byte[] plain = Files.readAllBytes(tmp.resolve("plain").resolve(SampleStore.NPZ));
    assertArrayEquals(plain, Files.readAllBytes(tmp.resolve("cfg1").resolve(SampleStore.NPZ)));
    assertArrayEquals(plain, Files.readAllBytes(tmp.resolve("ag1").resolve(SampleStore.NPZ)));
    assertEquals(0, sample(tmp.resolve("cfg3"), "--batch", "3", "--cfg-scale", "3").code());
    String provenance = Files.readString(tmp.resolve("cfg3").resolve(SampleStore.PROVENANCE));
    assertTrue(provenance.contains("\"guidance\": \"classifier-free\"") && provenance.contains("\"guidance_scale\": \"3.0\""),
        provenance);
  }

  @Test
  void badInputIsOneLineWithExitCodeTwo() throws Exception {
    assertBad(run("sample", "--dit", stage2.toString(), "--ae", stage1NoQueries.toString(), "--num", "2", "--out",
        tmp.resolve("x1").toString()), "generates 8 queries");
    assertBad(sample(tmp.resolve("x2"), "--guide", stage2NoQueries.toString(), "--guide-scale", "2"), "--guide");
    assertBad(sample(tmp.resolve("x3"), "--classes", "0,2"), "class 2 is outside [0, 2)");
    assertBad(run("sample", "--dit", stage2.toString(), "--num", "0", "--out", tmp.resolve("x4").toString()), "--num 0");
    assertBad(sample(tmp.resolve("x5"), "--shard", "3/2"), "--shard 3/2");
    assertBad(sample(tmp.resolve("x6"), "--drop-queries"), "query dropout");
    assertEquals(0, sample(tmp.resolve("x7"), "--batch", "3").code());
    assertBad(sample(tmp.resolve("x7"), "--batch", "2"), "another run");
    assertBad(run("sample", "--dit", tmp.resolve("missing").toString(), "--num", "2", "--out", tmp.resolve("x8").toString()),
        "--dit");
  }

  static byte[] pixels(Path dir) {
    java.nio.ByteBuffer d = Npz.read(dir.resolve(SampleStore.NPZ)).get("arr_0").data().duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }

  static void assertBad(Run r, String fragment) {
    assertEquals(2, r.code(), r.out() + r.err());
    String msg = r.err().strip();
    assertEquals(1, msg.lines().count(), "one line: " + msg);
    assertTrue(msg.contains(fragment), msg);
  }
}
