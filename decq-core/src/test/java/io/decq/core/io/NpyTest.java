package io.decq.core.io;

import static io.decq.core.io.IoFixtures.assertSameTensors;
import static io.decq.core.io.IoFixtures.assertTensors;
import static io.decq.core.io.IoFixtures.fixture;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.decq.core.error.BadInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** .npy / .npz against what numpy.load read from the committed files; write round trips; bad files. */
class NpyTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"np_f32.npy", "np_f64.npy", "np_u8.npy", "np_i64.npy", "np_fortran_f32.npy",
      "np_bigendian_f64.npy"})
  void readsWhatNumpyReads(String name) {
    assertTensors(name, WeightFiles.read(fixture(name)));
  }

  @Test
  void fortranOrderIsReorderedToCOrder() throws IOException {
    Npy.Header h;
    try (InputStream in = Files.newInputStream(fixture("np_fortran_f32.npy"))) {
      h = Npy.readHeader(in, "np_fortran_f32.npy");
    }
    assertTrue(h.fortranOrder(), "the fixture must really be Fortran order");
    HostTensor t = Npy.read(fixture("np_fortran_f32.npy"));
    assertEquals(1 - 5.5, t.getDouble(1), 0.0, "C order: element [0, 1] comes second");
  }

  @ParameterizedTest
  @ValueSource(strings = {"np_arrays.npz", "np_compressed.npz"})
  void readsStoredAndCompressedArchives(String name) {
    assertTensors(name, Npz.read(fixture(name)));
  }

  @Test
  void streamsOneMember() throws IOException {
    try (Npz.Member m = Npz.stream(fixture("np_arrays.npz"), "labels")) {
      assertEquals(DType.I64, m.header().dtype());
      assertArrayEquals(new long[] {5}, m.header().shape());
      ByteBuffer b = ByteBuffer.wrap(m.data().readNBytes(40)).order(ByteOrder.LITTLE_ENDIAN);
      assertEquals(3, b.getLong(0));
      assertEquals(5, b.getLong(32));
    }
    BadInputException e = assertThrows(BadInputException.class, () -> Npz.stream(fixture("np_arrays.npz"), "nope"));
    assertTrue(e.getMessage().contains("no array 'nope' (has: mu, sigma, labels, feats, arr_0)"), e.getMessage());
  }

  @Test
  void writeThenReadIsIdentity() throws IOException {
    for (String name : List.of("np_f32.npy", "np_f64.npy", "np_u8.npy", "np_i64.npy", "np_fortran_f32.npy")) {
      HostTensor t = Npy.read(fixture(name));
      Path out = tmp.resolve(name);
      Npy.write(out, t);
      assertSameTensors(name, Map.of("a", t), Map.of("a", Npy.read(out)));
      assertEquals(0, (Files.size(out) - t.data().remaining()) % 64, "header padded to 64 bytes like numpy");
    }
    Map<String, HostTensor> arrays = Npz.read(fixture("np_compressed.npz"));
    Path npz = tmp.resolve("out.npz");
    Npz.write(npz, arrays);
    assertSameTensors("npz", arrays, Npz.read(npz));
  }

  @Test
  void headerMatchesNumpySaveByteForByte() throws IOException {
    byte[] file = Files.readAllBytes(fixture("np_f32.npy"));
    byte[] ours = Npy.header(DType.F32, new long[] {2, 3, 4});
    assertArrayEquals(Arrays.copyOf(file, ours.length), ours);
  }

  // ---- bad files ----

  private static String fails(Path file) {
    BadInputException e = assertThrows(BadInputException.class, () -> WeightFiles.read(file));
    assertTrue(e.getMessage().startsWith(file.toString()), "message should name the file: " + e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    return e.getMessage();
  }

  @Test
  void truncatedNpyFails() throws IOException {
    byte[] all = Files.readAllBytes(fixture("np_f32.npy"));
    Path cut = tmp.resolve("cut.npy");
    Files.write(cut, Arrays.copyOf(all, all.length - 1));
    assertTrue(fails(cut).contains("truncated: the header promises 96 data bytes"), fails(cut));
    Files.write(cut, Arrays.copyOf(all, 20));
    assertTrue(fails(cut).contains("truncated .npy header"), fails(cut));
  }

  @Test
  void badMagicAndUnsupportedDtypeFail() throws IOException {
    Path text = tmp.resolve("text.npy");
    Files.writeString(text, "not numpy at all, really");
    assertTrue(fails(text).contains("not a .npy array (bad magic)"));
    byte[] header = Npy.header(DType.F32, new long[] {2});
    String h = new String(header, StandardCharsets.ISO_8859_1).replace("<f4", "<c8");
    Path complex = tmp.resolve("complex.npy");
    Files.write(complex, concat(h.getBytes(StandardCharsets.ISO_8859_1), new byte[32]));
    assertTrue(fails(complex).contains("unsupported .npy dtype '<c8'"), fails(complex));
    Path object = tmp.resolve("object.npy");
    Files.write(object, concat(new String(header, StandardCharsets.ISO_8859_1).replace("'<f4'", "'|O'")
        .getBytes(StandardCharsets.ISO_8859_1), new byte[16]));
    assertTrue(fails(object).contains("unsupported .npy dtype '|O'"), fails(object));
  }

  @Test
  void corruptNpzFails() throws IOException {
    byte[] all = Files.readAllBytes(fixture("np_arrays.npz"));
    Path cut = tmp.resolve("cut.npz");
    Files.write(cut, Arrays.copyOf(all, all.length / 2));
    assertTrue(fails(cut).contains("not a valid .npz (zip) archive"), fails(cut));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
