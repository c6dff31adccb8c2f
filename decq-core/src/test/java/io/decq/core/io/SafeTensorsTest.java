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
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** safetensors: spec-written fixtures, sharded checkpoints, the writer, and every malformed header. */
class SafeTensorsTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"st_f32.safetensors", "st_f16.safetensors", "st_bf16.safetensors", "st_mixed.safetensors"})
  void readsEveryDtype(String name) {
    SafeTensors.Contents c = SafeTensors.readWithMetadata(fixture(name));
    assertTensors(name, c.tensors());
    assertEquals(Map.of("format", "pt"), c.metadata());
  }

  @Test
  void bf16WidensExactlyToFloat() {
    HostTensor big = SafeTensors.read(fixture("st_bf16.safetensors")).get("big");
    float[] f = big.toFloats();
    assertEquals(DType.BF16, big.dtype());
    assertEquals(Float.intBitsToFloat((big.data().getShort(0) & 0xFFFF) << 16), f[0], 0f);
    assertTrue(f[0] > 2.9e38f, "3e38 survives as bf16 -> f32: " + f[0]);
  }

  @Test
  void readsShardedCheckpointByIndexOrDirectory() {
    Path index = fixture("sharded/model.safetensors.index.json");
    assertTensors("sharded/model.safetensors.index.json", SafeTensors.readCheckpoint(index));
    assertTensors("sharded/model.safetensors.index.json", WeightFiles.read(index.getParent()));
  }

  @Test
  void writeThenReadIsIdentityAndDeterministic() throws IOException {
    Map<String, HostTensor> src = SafeTensors.read(fixture("st_mixed.safetensors"));
    Path a = tmp.resolve("a.safetensors");
    Path b = tmp.resolve("b.safetensors");
    SafeTensors.write(a, src, Map.of("source", "test", "format", "pt"));
    SafeTensors.write(b, src, Map.of("format", "pt", "source", "test"));
    SafeTensors.Contents back = SafeTensors.readWithMetadata(a);
    assertSameTensors("round trip", src, back.tensors());
    assertEquals(Map.of("source", "test", "format", "pt"), back.metadata());
    assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "same tensors must give the same bytes");
    assertEquals(List.of("bool", "f64", "i16", "i32", "i64", "i8", "u8"), List.copyOf(back.tensors().keySet()),
        "written in sorted name order");
    long headerLen = ByteBuffer.wrap(Files.readAllBytes(a), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, headerLen % 8, "header padded to 8 bytes");
  }

  @Test
  void writeRoundTripsEveryFixtureDtype() {
    for (String name : List.of("st_f32.safetensors", "st_f16.safetensors", "st_bf16.safetensors")) {
      Map<String, HostTensor> src = SafeTensors.read(fixture(name));
      Path out = tmp.resolve("rt_" + name);
      SafeTensors.write(out, src);
      assertTensors(name, SafeTensors.read(out));
    }
  }

  @Test
  void atomicWriteReplacesWholeOrLeavesTheOldFile() throws IOException {
    Path f = tmp.resolve("w.safetensors");
    SafeTensors.write(f, Map.of("x", HostTensor.ofFloats(new long[] {2}, new float[] {1, 2})));
    byte[] before = Files.readAllBytes(f);
    assertThrows(UncheckedIOException.class, () -> AtomicFiles.write(f, out -> {
      out.write(new byte[100]);
      throw new IOException("disk full");
    }));
    assertArrayEquals(before, Files.readAllBytes(f), "a failed write must leave the old file untouched");
    try (Stream<Path> files = Files.list(tmp)) {
      assertEquals(List.of(f), files.toList(), "no temp file may be left behind");
    }
    SafeTensors.write(f, Map.of("y", HostTensor.ofFloats(new long[] {1}, new float[] {3})));
    assertEquals(List.of("y"), List.copyOf(SafeTensors.read(f).keySet()));
  }

  // ---- malformed files ----

  private static String fails(Path file) {
    BadInputException e = assertThrows(BadInputException.class, () -> WeightFiles.read(file));
    assertTrue(e.getMessage().startsWith(file.toString()), "message should name the file: " + e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    return e.getMessage();
  }

  /** A file with this JSON header (padded) followed by {@code dataBytes} zero bytes. */
  private Path withHeader(String name, String json, int dataBytes) throws IOException {
    byte[] h = json.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    Path p = tmp.resolve(name);
    Files.write(p, b.array());
    return p;
  }

  @Test
  void truncatedFileFails() throws IOException {
    byte[] all = Files.readAllBytes(fixture("st_f32.safetensors"));
    Path cut = tmp.resolve("cut.safetensors");
    Files.write(cut, Arrays.copyOf(all, all.length - 3));
    assertTrue(fails(cut).contains("truncated"), fails(cut));
    Files.write(cut, Arrays.copyOf(all, 40));
    assertTrue(fails(cut).contains("does not fit a file of 40 bytes"), fails(cut));
    Files.write(cut, Arrays.copyOf(all, 5));
    assertTrue(fails(cut).contains("too short"), fails(cut));
  }

  @Test
  void headerThatLiesAboutSizesOrOffsetsFails() throws IOException {
    String wrongSize = fails(withHeader("size.safetensors",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 24));
    assertTrue(wrongSize.contains("tensor 'w': data_offsets [0, 20] hold 20 bytes but F32 [2,3] needs 24"), wrongSize);
    String pastEnd = fails(withHeader("end.safetensors",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 16));
    assertTrue(pastEnd.contains("data ends at byte 24 but the file holds only 16"), pastEnd);
    String negative = fails(withHeader("neg.safetensors",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4));
    assertTrue(negative.contains("negative dimension"), negative);
    String missing = fails(withHeader("keys.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4));
    assertTrue(missing.contains("needs dtype, shape and data_offsets"), missing);
    String shapeText = fails(withHeader("shape.safetensors",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":\"two\",\"data_offsets\":[0,4]}}", 4));
    assertTrue(shapeText.contains("tensor 'w': malformed header entry"), shapeText);
    String dtypeObject = fails(withHeader("dtype.safetensors",
        "{\"w\":{\"dtype\":{},\"shape\":[1],\"data_offsets\":[0,4]}}", 4));
    assertTrue(dtypeObject.contains("tensor 'w': malformed header entry"), dtypeObject);
  }

  @Test
  void unsupportedDtypeFails() throws IOException {
    String m = fails(withHeader("fp8.safetensors",
        "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2));
    assertTrue(m.contains("tensor 'w': unsupported dtype F8_E4M3"), m);
  }

  @Test
  void nonJsonHeaderFails() throws IOException {
    assertTrue(fails(withHeader("text.safetensors", "this is not json at all!", 0)).contains("header is not valid JSON"));
    assertTrue(fails(withHeader("array.safetensors", "[1, 2, 3]", 0)).contains("header is not a JSON object"));
  }

  @Test
  void shardedIndexNamingAMissingShardOrTensorFails() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("ckpt"));
    Path shardDir = fixture("sharded/model.safetensors.index.json").getParent();
    Files.copy(shardDir.resolve("model-00001-of-00002.safetensors"), dir.resolve("model-00001-of-00002.safetensors"));
    Path index = dir.resolve("model.safetensors.index.json");
    Files.writeString(index, "{\"weight_map\": {\"embed.weight\": \"model-00001-of-00002.safetensors\","
        + " \"head.bias\": \"model-00002-of-00002.safetensors\"}}");
    String shard = fails(index);
    assertTrue(shard.contains("weight_map puts 'head.bias' in model-00002-of-00002.safetensors, which does not exist"),
        shard);
    Files.writeString(index, "{\"weight_map\": {\"nope.weight\": \"model-00001-of-00002.safetensors\"}}");
    String tensor = fails(index);
    assertTrue(tensor.contains("weight_map puts 'nope.weight' in model-00001-of-00002.safetensors but that shard has no such tensor"),
        tensor);
    Files.writeString(index, "{\"metadata\": {}}");
    assertTrue(fails(index).contains("no weight_map"));
    Files.writeString(index, "{\"weight_map\": ");
    assertTrue(fails(index).contains("not a valid safetensors index"));
  }

  @Test
  void unknownExtensionAndMissingFileFail() throws IOException {
    Path odd = tmp.resolve("weights.h5");
    Files.write(odd, new byte[16]);
    assertTrue(fails(odd).contains("unknown weight file type"));
    assertTrue(fails(tmp.resolve("nope.safetensors")).contains("file not found"));
    Path emptyDir = Files.createDirectories(tmp.resolve("empty_model"));
    assertTrue(fails(emptyDir).contains("no model.safetensors"));
  }
}
