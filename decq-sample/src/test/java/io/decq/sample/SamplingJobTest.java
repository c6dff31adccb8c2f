package io.decq.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.decq.core.error.BadInputException;
import io.decq.core.io.HostTensor;
import io.decq.core.io.Npz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Planning, sharding, merging and resuming, with a generator whose images are a pure function of (index,
 * label): what matters here is that every sample lands at its place, byte for byte, whatever the shards.
 */
class SamplingJobTest {
  static final int SIDE = 6;
  static NDManager manager;

  @BeforeAll
  static void init() {
    manager = NDManager.newBaseManager(Device.cpu());
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  /** Image of sample i: a gradient that depends on i and its label. */
  static final BatchGenerator FAKE = (m, indices, labels) -> {
    float[] data = new float[indices.length * 3 * SIDE * SIDE];
    for (int k = 0; k < indices.length; k++) {
      for (int j = 0; j < 3 * SIDE * SIDE; j++) {
        data[k * 3 * SIDE * SIDE + j] = ((indices[k] * 37 + labels[k] * 11 + j) % 256) / 255f;
      }
    }
    return m.create(data, new Shape(indices.length, 3, SIDE, SIDE));
  };

  static void sample(Path out, long n, int batch, ShardSpec shard, BatchGenerator g) {
    SamplePlan plan = new SamplePlan(n, batch, shard);
    LabelPlan labels = LabelPlan.parse("equal", null, 10, 7);
    SampleStore store = SampleStore.open(out, "fake;seed=7;num=" + n + ";batch=" + batch, plan, 10);
    SamplingJob.run(plan, labels, g, store, manager, 1);
  }

  @Test
  void shardsMergeToTheUnshardedRunByteForByte(@TempDir Path tmp) throws Exception {
    sample(tmp.resolve("all"), 23, 4, ShardSpec.ALL, FAKE);
    for (int i = 0; i < 3; i++) {
      sample(tmp.resolve("s" + i), 23, 4, new ShardSpec(i, 3), FAKE);
    }
    SampleStore.merge(List.of(tmp.resolve("s2"), tmp.resolve("s0"), tmp.resolve("s1")), tmp.resolve("merged"));
    assertSameFiles(tmp.resolve("all"), tmp.resolve("merged"));
    Map<String, HostTensor> npz = Npz.read(tmp.resolve("all").resolve(SampleStore.NPZ));
    assertArrayEquals(new long[] {23, SIDE, SIDE, 3}, npz.get("arr_0").shape());
    long[] labels = npz.get("arr_1").toLongs();
    for (int i = 0; i < 23; i++) {
      assertEquals(i % 10, labels[i]);
    }
  }

  @Test
  void anInterruptedJobContinuesToTheSameBytes(@TempDir Path tmp) throws Exception {
    sample(tmp.resolve("straight"), 13, 3, ShardSpec.ALL, FAKE);
    int[] calls = {0};
    BatchGenerator crashing = (m, idx, y) -> {
      if (++calls[0] == 3) {
        throw new IllegalStateException("killed");
      }
      return FAKE.generate(m, idx, y);
    };
    assertThrows(IllegalStateException.class, () -> sample(tmp.resolve("resumed"), 13, 3, ShardSpec.ALL, crashing));
    assertTrue(Files.exists(tmp.resolve("resumed").resolve(SampleStore.PROGRESS)));
    sample(tmp.resolve("resumed"), 13, 3, ShardSpec.ALL, FAKE);
    assertSameFiles(tmp.resolve("straight"), tmp.resolve("resumed"));
  }

  @Test
  void badPlansAndFoldersAreRefused(@TempDir Path tmp) throws Exception {
    assertThrows(BadInputException.class, () -> new SamplePlan(0, 4, ShardSpec.ALL));
    assertThrows(BadInputException.class, () -> ShardSpec.parse("3/2"));
    assertThrows(BadInputException.class, () -> ShardSpec.parse("a/2"));
    assertThrows(BadInputException.class, () -> LabelPlan.parse(null, "0,10", 10, 0));
    assertThrows(BadInputException.class, () -> LabelPlan.parse("some", null, 10, 0));
    sample(tmp.resolve("a"), 5, 2, ShardSpec.ALL, FAKE);
    BadInputException e = assertThrows(BadInputException.class, () -> sample(tmp.resolve("a"), 6, 2, ShardSpec.ALL, FAKE));
    assertTrue(e.getMessage().contains("another run"), e.getMessage());
    Files.writeString(tmp.resolve("b.txt"), "x");
    assertThrows(BadInputException.class, () -> sample(tmp, 5, 2, ShardSpec.ALL, FAKE));
    sample(tmp.resolve("s0"), 10, 2, new ShardSpec(0, 2), FAKE);
    e = assertThrows(BadInputException.class, () -> SampleStore.merge(List.of(tmp.resolve("s0")), tmp.resolve("m")));
    assertTrue(e.getMessage().contains("missing"), e.getMessage());
  }

  @Test
  void shardsTakeWholeBatchesAndCoverEverySampleOnce() {
    for (int count = 1; count <= 5; count++) {
      long next = 0;
      for (int i = 0; i < count; i++) {
        SamplePlan p = new SamplePlan(17, 3, new ShardSpec(i, count));
        assertEquals(next, p.start());
        for (SamplePlan.Batch b : p.batches()) {
          assertEquals(next, b.start());
          assertTrue(b.start() % 3 == 0 && b.size() <= 3);
          next = b.end();
        }
        assertEquals(next, p.end());
      }
      assertEquals(17, next);
    }
  }

  @Test
  void randomLabelsArePureFunctionsOfSeedAndIndex() {
    LabelPlan a = LabelPlan.parse("random", null, 10, 3);
    LabelPlan b = LabelPlan.parse("random", null, 10, 3);
    int[] seen = new int[10];
    for (int i = 0; i < 1000; i++) {
      assertEquals(a.label(i), b.label(i));
      seen[a.label(i)]++;
    }
    for (int s : seen) {
      assertTrue(s > 50, "every class drawn");
    }
    LabelPlan c = LabelPlan.parse(null, "4,2", 10, 3);
    assertEquals(4, c.label(0));
    assertEquals(2, c.label(3));
  }

  /** The same files, byte for byte, except the job records (progress and provenance say how each was made). */
  static void assertSameFiles(Path a, Path b) throws Exception {
    List<Path> fa = files(a);
    List<Path> fb = files(b);
    assertEquals(fa.stream().map(p -> a.relativize(p).toString()).toList(), fb.stream().map(p -> b.relativize(p).toString()).toList());
    for (int i = 0; i < fa.size(); i++) {
      String name = fa.get(i).getFileName().toString();
      if (!name.equals(SampleStore.PROGRESS) && !name.equals(SampleStore.PROVENANCE)) {
        assertArrayEquals(Files.readAllBytes(fa.get(i)), Files.readAllBytes(fb.get(i)), fa.get(i).toString());
      }
    }
  }

  static List<Path> files(Path dir) throws Exception {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }
}
