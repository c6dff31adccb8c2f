package io.decq.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.decq.core.config.DataConfig;
import io.decq.core.config.DataConfig.Crop;
import io.decq.core.error.BadInputException;
import io.decq.core.image.ImageFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageLoaderTest {
  private static final int N = 13;
  @TempDir static Path tmp;
  static Path flat;

  @BeforeAll
  static void images() {
    flat = TestImages.flat(tmp.resolve("flat"), N, 12, 14);
  }

  private static ImageLoader loader(long seed, int workers, int prefetch) {
    return new ImageLoader(ImageFolder.scan(flat, "data.path"), new Augmentation(8, 0, Crop.RANDOM, true), 5, seed,
        workers, prefetch);
  }

  private static List<HostBatch> take(ImageLoader l, int n) {
    List<HostBatch> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(l.next());
    }
    return out;
  }

  private static void assertSame(List<HostBatch> a, List<HostBatch> b) {
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      assertArrayEquals(a.get(i).pixels(), b.get(i).pixels(), "batch " + i + " pixels");
      assertArrayEquals(a.get(i).labels(), b.get(i).labels(), "batch " + i + " labels");
      assertEquals(a.get(i).start(), b.get(i).start(), "batch " + i + " position");
    }
  }

  @Test
  void orderIsAFunctionOfSeedAndPositionOnly() {
    List<HostBatch> a;
    List<HostBatch> b;
    List<HostBatch> c;
    try (ImageLoader l1 = loader(7, 1, 1); ImageLoader l2 = loader(7, 3, 6); ImageLoader l3 = loader(8, 2, 2)) {
      a = take(l1, 8);
      b = take(l2, 8);
      c = take(l3, 8);
    }
    assertSame(a, b);
    assertFalse(Arrays.equals(a.get(0).pixels(), c.get(0).pixels()), "another seed gives another stream");
  }

  @Test
  void everyEpochVisitsEveryImageOnceInItsOwnOrder() {
    try (ImageLoader l = loader(3, 2, 3)) {
      List<Integer> ids = new ArrayList<>();
      for (HostBatch b : take(l, 6)) {
        for (int k = 0; k < b.size(); k++) {
          ids.add(TestImages.idOf(b, k));
        }
      }
      List<Integer> e0 = new ArrayList<>(ids.subList(0, N));
      List<Integer> e1 = new ArrayList<>(ids.subList(N, 2 * N));
      assertNotEquals(e0, e1, "epochs are shuffled differently");
      for (int e = 0; e < 2; e++) {
        int[] order = l.order(e);
        for (int i = 0; i < N; i++) {
          assertEquals(order[i], ids.get(e * N + i).intValue(), "epoch " + e + " index " + i);
        }
      }
      e0.sort(null);
      e1.sort(null);
      List<Integer> all = new ArrayList<>();
      for (int i = 0; i < N; i++) {
        all.add(i);
      }
      assertEquals(all, e0);
      assertEquals(all, e1);
      assertEquals(new DataPosition(2, 4), l.position(), "30 samples of 13: epoch 2, index 4");
    }
  }

  @Test
  void seekResumesTheStreamExactly() {
    List<HostBatch> straight;
    try (ImageLoader l = loader(11, 2, 3)) {
      straight = take(l, 9);
    }
    DataPosition after4;
    try (ImageLoader l = loader(11, 2, 3)) {
      take(l, 4);
      after4 = l.position();
    }
    assertEquals(new DataPosition(1, 7), after4, "20 samples of 13");
    try (ImageLoader resumed = loader(11, 1, 2)) {
      resumed.seek(after4);
      assertEquals(after4, resumed.position());
      assertSame(straight.subList(4, 9), take(resumed, 5));
    }
    try (ImageLoader l = loader(11, 2, 3)) {
      take(l, 2);
      l.seek(DataPosition.START);
      assertSame(straight.subList(0, 3), take(l, 3));
    }
  }

  @Test
  void batchesBecomeUint8NchwOnTheDevice() {
    try (ImageLoader l = loader(1, 1, 1); NDManager m = NDManager.newBaseManager()) {
      HostBatch b = l.next();
      NDArray x = b.images(m);
      assertEquals(DataType.UINT8, x.getDataType());
      assertArrayEquals(new long[] {5, 3, 8, 8}, x.getShape().getShape());
      assertArrayEquals(b.pixels(), x.toByteArray());
      assertEquals(TestImages.idOf(b, 2), x.get(2, 2, 3, 4).toByteArray()[0] & 0xFF);
      assertArrayEquals(new long[] {0, 0, 0, 0, 0}, b.labels(m).toLongArray());
    }
  }

  @Test
  void configuredLoaderFailsBeforeTrainingOnBadData() throws Exception {
    DataConfig d = DataConfig.defaults();
    BadInputException unset = assertThrows(BadInputException.class, () -> ImageLoader.training(d, 4, 0));
    assertTrue(unset.getMessage().startsWith("data.path: not set"), unset.getMessage());
    DataConfig tooBig = new DataConfig(flat.toString(), 64, 0, Crop.RANDOM, true, 1, 1, null, 2);
    BadInputException small = assertThrows(BadInputException.class, () -> ImageLoader.training(tooBig, 4, 0));
    assertTrue(small.getMessage().contains("smaller than the data.image_size 64 crop"), small.getMessage());
    Path broken = Files.createDirectories(tmp.resolve("broken"));
    Files.write(broken.resolve("a.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 1, 2, 3});
    DataConfig bad = new DataConfig(broken.toString(), 8, 0, Crop.RANDOM, true, 1, 1, null, 2);
    BadInputException corrupt = assertThrows(BadInputException.class, () -> ImageLoader.training(bad, 4, 0));
    assertTrue(corrupt.getMessage().contains("a.png"), corrupt.getMessage());
  }

  @Test
  void previewBatchIsTheFirstImagesCenterCropped() {
    DataConfig d = new DataConfig(flat.toString(), 8, 10, Crop.RANDOM, true, 1, 1, null, 3);
    HostBatch p = ImageLoader.previewBatch(d);
    assertEquals(3, p.size());
    assertEquals(8, p.height());
    for (int k = 0; k < 3; k++) {
      assertEquals(k, TestImages.idOf(p, k));
    }
    assertArrayEquals(p.pixels(), ImageLoader.previewBatch(d).pixels(), "deterministic");
  }
}
