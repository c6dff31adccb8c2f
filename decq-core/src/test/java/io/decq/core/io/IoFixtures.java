package io.decq.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The committed I/O fixtures (src-test-data/fixtures/io, made by scripts/fixtures/make_io_fixtures.py
 * with torch.save and numpy) and the values the real readers gave for them (expected.json).
 */
public final class IoFixtures {
  private static JsonObject expected;

  private IoFixtures() {}

  /** The test-data root (surefire's {@code decq.test.data}). */
  public static Path testData() {
    String p = System.getProperty("decq.test.data");
    assertNotNull(p, "system property decq.test.data is not set (run the tests through Maven)");
    return Path.of(p);
  }

  /** A fixture file under src-test-data/fixtures/io. */
  public static Path fixture(String name) {
    Path p = testData().resolve("fixtures").resolve("io").resolve(name);
    assertTrue(Files.exists(p), "missing fixture " + p);
    return p;
  }

  /** A golden file under src-test-data/golden. */
  public static Path golden(String name) {
    Path p = Path.of(System.getProperty("decq.golden.dir")).resolve(name);
    assertTrue(Files.exists(p), "missing golden file " + p);
    return p;
  }

  /** The expected.json entry of one fixture: {"tensors": {...}, "non_tensors": {...}, ...}. */
  public static synchronized JsonObject expected(String name) {
    if (expected == null) {
      try {
        expected = JsonParser.parseString(Files.readString(fixture("expected.json"))).getAsJsonObject();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    JsonObject files = expected.getAsJsonObject("files");
    assertTrue(files.has(name), "expected.json has no entry " + name);
    return files.getAsJsonObject(name);
  }

  /** Asserts the tensors equal what the real reader gave: same names, dtypes, shapes and values. */
  public static void assertTensors(String file, Map<String, HostTensor> actual) {
    JsonObject want = expected(file).getAsJsonObject("tensors");
    assertEquals(want.keySet(), actual.keySet(), file + ": tensor names");
    for (Map.Entry<String, JsonElement> e : want.entrySet()) {
      assertTensor(file + ":" + e.getKey(), e.getValue().getAsJsonObject(), actual.get(e.getKey()));
    }
  }

  /** One tensor against its expected.json entry (all values, or sum and first values). */
  public static void assertTensor(String what, JsonObject want, HostTensor t) {
    assertEquals(want.get("dtype").getAsString(), t.dtype().name(), what + ": dtype");
    assertArrayEquals(longs(want.getAsJsonArray("shape")), t.shape(), what + ": shape " + Arrays.toString(t.shape()));
    boolean integral = !t.dtype().isFloating();
    if (want.has("values")) {
      JsonArray values = want.getAsJsonArray("values");
      assertEquals(values.size(), t.numel(), what + ": element count");
      for (int i = 0; i < values.size(); i++) {
        if (integral) {
          assertEquals(values.get(i).getAsLong(), integer(t, i), what + "[" + i + "]");
        } else {
          assertEquals(values.get(i).getAsDouble(), t.getDouble(i), 0.0, what + "[" + i + "]");
        }
      }
    } else {
      JsonArray first = want.getAsJsonArray("first");
      for (int i = 0; i < first.size(); i++) {
        assertEquals(first.get(i).getAsDouble(), t.getDouble(i), 0.0, what + "[" + i + "]");
      }
      double sum = 0;
      double abs = 0;
      for (long i = 0; i < t.numel(); i++) {
        sum += t.getDouble(i);
        abs += Math.abs(t.getDouble(i));
      }
      assertEquals(want.get("sum").getAsDouble(), sum, 1e-12 * abs + 1e-300, what + ": sum");
    }
  }

  /** Element {@code i} of an integer tensor, exactly (int64 beyond 2^53 included). */
  public static long integer(HostTensor t, long i) {
    return t.dtype() == DType.I64 ? t.data().getLong(Math.toIntExact(i * 8)) : (long) t.getDouble(i);
  }

  /** Asserts two tensor maps are identical: names, dtypes, shapes and bytes. */
  public static void assertSameTensors(String what, Map<String, HostTensor> want, Map<String, HostTensor> actual) {
    assertEquals(want.keySet(), actual.keySet(), what + ": names");
    for (String k : want.keySet()) {
      HostTensor a = want.get(k);
      HostTensor b = actual.get(k);
      assertEquals(a.dtype(), b.dtype(), what + ":" + k + ": dtype");
      assertArrayEquals(a.shape(), b.shape(), what + ":" + k + ": shape");
      assertEquals(a.data(), b.data(), what + ":" + k + ": values differ");
    }
  }

  private static long[] longs(JsonArray a) {
    long[] out = new long[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsLong();
    }
    return out;
  }
}
