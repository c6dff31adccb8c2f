package io.decq.core.io;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.decq.core.error.BadInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The safetensors format: an 8-byte little-endian header length, a UTF-8 JSON header ({@code name ->
 * {dtype, shape, data_offsets}} plus an optional {@code __metadata__} of strings), then the raw
 * little-endian row-major data. Reading memory-maps each tensor separately (no 2 GB limit, nothing
 * copied until used); sharded Hugging Face checkpoints are read through their {@code
 * model.safetensors.index.json}. Writing is atomic (temp file + rename) with keys in sorted order.
 */
public final class SafeTensors {
  /** The key of the free-form string metadata in the header. */
  public static final String METADATA = "__metadata__";

  private static final long MAX_HEADER = 100L * 1024 * 1024;

  private SafeTensors() {}

  /** The tensors and metadata of one safetensors file. */
  public record Contents(Map<String, HostTensor> tensors, Map<String, String> metadata) {}

  /** Reads every tensor (memory-mapped) of a single file, in file order. */
  public static Map<String, HostTensor> read(Path file) {
    return readWithMetadata(file).tensors();
  }

  /** Reads a file's tensors (memory-mapped) and its {@code __metadata__}. */
  public static Contents readWithMetadata(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 8) {
        throw bad(file, "file is " + size + " bytes, too short for a safetensors header");
      }
      ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, lenBuf, 0);
      long headerLen = lenBuf.getLong(0);
      if (headerLen <= 0 || headerLen > MAX_HEADER || headerLen > size - 8) {
        throw bad(file, "header length " + headerLen + " does not fit a file of " + size + " bytes (truncated or not safetensors)");
      }
      ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
      readFully(ch, hb, 8);
      JsonObject header;
      try {
        JsonElement el = JsonParser.parseString(new String(hb.array(), StandardCharsets.UTF_8));
        if (!el.isJsonObject()) {
          throw bad(file, "header is not a JSON object");
        }
        header = el.getAsJsonObject();
      } catch (JsonParseException e) {
        throw bad(file, "header is not valid JSON (" + firstLine(e.getMessage()) + ")");
      }
      long dataStart = 8 + headerLen;
      long dataLen = size - dataStart;
      Map<String, String> metadata = new LinkedHashMap<>();
      List<Object[]> entries = new ArrayList<>();
      for (Map.Entry<String, JsonElement> e : header.entrySet()) {
        String name = e.getKey();
        if (name.equals(METADATA)) {
          if (e.getValue().isJsonObject()) {
            for (Map.Entry<String, JsonElement> m : e.getValue().getAsJsonObject().entrySet()) {
              metadata.put(m.getKey(), m.getValue().isJsonPrimitive() ? m.getValue().getAsString() : m.getValue().toString());
            }
          }
          continue;
        }
        try {
          entries.add(parseEntry(file, name, e.getValue(), dataLen));
        } catch (IllegalStateException | UnsupportedOperationException | ClassCastException | NumberFormatException ex) {
          throw bad(file, "tensor '" + name + "': malformed header entry " + e.getValue()
              + " (expected {\"dtype\": \"F32\", \"shape\": [..], \"data_offsets\": [begin, end]})");
        }
      }
      // File order (by offset), the order the writer laid them out.
      entries.sort((a, b) -> Long.compare((long) a[3], (long) b[3]));
      Map<String, HostTensor> out = new LinkedHashMap<>();
      for (Object[] en : entries) {
        DType dtype = (DType) en[1];
        long[] shape = (long[]) en[2];
        long begin = (long) en[3];
        long end = (long) en[4];
        ByteBuffer data = end == begin
            ? ByteBuffer.allocate(0)
            : ch.map(FileChannel.MapMode.READ_ONLY, dataStart + begin, end - begin);
        out.put((String) en[0], new HostTensor(dtype, shape, data));
      }
      return new Contents(out, metadata);
    } catch (NoSuchFileException e) {
      throw new BadInputException(file + ": file not found");
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read: " + e.getMessage());
    }
  }

  private static Object[] parseEntry(Path file, String name, JsonElement v, long dataLen) {
    if (!v.isJsonObject()) {
      throw bad(file, "tensor '" + name + "': header entry is not an object");
    }
    JsonObject o = v.getAsJsonObject();
    if (!o.has("dtype") || !o.has("shape") || !o.has("data_offsets")) {
      throw bad(file, "tensor '" + name + "': header entry needs dtype, shape and data_offsets");
    }
    String dtName = o.get("dtype").getAsString();
    DType dtype = DType.fromSafetensors(dtName);
    if (dtype == null) {
      throw bad(file, "tensor '" + name + "': unsupported dtype " + dtName
          + " (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
    }
    JsonArray shapeArr = o.getAsJsonArray("shape");
    long[] shape = new long[shapeArr.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = shapeArr.get(i).getAsLong();
      if (shape[i] < 0) {
        throw bad(file, "tensor '" + name + "': negative dimension in shape " + shapeArr);
      }
    }
    JsonArray off = o.getAsJsonArray("data_offsets");
    if (off.size() != 2) {
      throw bad(file, "tensor '" + name + "': data_offsets must be [begin, end]");
    }
    long begin = off.get(0).getAsLong();
    long end = off.get(1).getAsLong();
    long need;
    try {
      need = Math.multiplyExact(HostTensor.numel(shape), (long) dtype.bytes());
    } catch (ArithmeticException e) {
      throw bad(file, "tensor '" + name + "': shape " + shapeArr + " is too large");
    }
    if (begin < 0 || end < begin || end - begin != need) {
      throw bad(file, "tensor '" + name + "': data_offsets [" + begin + ", " + end + "] hold " + (end - begin)
          + " bytes but " + dtName + " " + shapeArr + " needs " + need);
    }
    if (end > dataLen) {
      throw bad(file, "tensor '" + name + "': data ends at byte " + end + " but the file holds only " + dataLen
          + " data bytes (truncated?)");
    }
    return new Object[] {name, dtype, shape, begin, end};
  }

  /**
   * Reads a Hugging Face checkpoint: a {@code .safetensors} file, a {@code model.safetensors.index.json}
   * (sharded), or a directory holding either.
   */
  public static Map<String, HostTensor> readCheckpoint(Path path) {
    Path p = path;
    if (Files.isDirectory(p)) {
      Path index = p.resolve("model.safetensors.index.json");
      Path single = p.resolve("model.safetensors");
      if (Files.exists(index)) {
        p = index;
      } else if (Files.exists(single)) {
        p = single;
      } else {
        throw new BadInputException(path + ": no model.safetensors or model.safetensors.index.json in this directory");
      }
    }
    if (p.getFileName().toString().endsWith(".index.json")) {
      return readSharded(p);
    }
    return read(p);
  }

  /** Reads every shard named in an index's {@code weight_map}; each tensor must be in its shard. */
  public static Map<String, HostTensor> readSharded(Path index) {
    JsonObject root;
    try {
      root = JsonParser.parseString(Files.readString(index)).getAsJsonObject();
    } catch (NoSuchFileException e) {
      throw new BadInputException(index + ": file not found");
    } catch (IOException | RuntimeException e) {
      throw new BadInputException(index + ": not a valid safetensors index (" + firstLine(e.getMessage()) + ")");
    }
    if (!root.has("weight_map") || !root.get("weight_map").isJsonObject()) {
      throw new BadInputException(index + ": no weight_map object (expected {\"weight_map\": {tensor: shard}})");
    }
    Map<String, String> weightMap = new TreeMap<>();
    Path dir = index.toAbsolutePath().getParent();
    for (Map.Entry<String, JsonElement> e : root.getAsJsonObject("weight_map").entrySet()) {
      JsonElement shard = e.getValue();
      if (!shard.isJsonPrimitive() || !shard.getAsJsonPrimitive().isString()) {
        throw new BadInputException(index + ": weight_map entry '" + e.getKey() + "' is " + shard + ", not a shard file name");
      }
      if (!Files.isRegularFile(dir.resolve(shard.getAsString()))) {
        throw new BadInputException(index + ": weight_map puts '" + e.getKey() + "' in " + shard.getAsString()
            + ", which does not exist next to the index");
      }
      weightMap.put(e.getKey(), shard.getAsString());
    }
    Map<String, Map<String, HostTensor>> shards = new LinkedHashMap<>();
    Map<String, HostTensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : weightMap.entrySet()) {
      Map<String, HostTensor> shard = shards.computeIfAbsent(e.getValue(), s -> read(dir.resolve(s)));
      HostTensor t = shard.get(e.getKey());
      if (t == null) {
        throw new BadInputException(index + ": weight_map puts '" + e.getKey() + "' in " + e.getValue()
            + " but that shard has no such tensor");
      }
      out.put(e.getKey(), t);
    }
    return out;
  }

  /** Writes tensors (sorted by name) and metadata atomically: a temp file in the same folder, then a rename. */
  public static void write(Path file, Map<String, HostTensor> tensors, Map<String, String> metadata) {
    Map<String, HostTensor> sorted = new TreeMap<>(tensors);
    Map<String, Object> header = new LinkedHashMap<>();
    if (metadata != null && !metadata.isEmpty()) {
      header.put(METADATA, new TreeMap<>(metadata));
    }
    long offset = 0;
    for (Map.Entry<String, HostTensor> e : sorted.entrySet()) {
      HostTensor t = e.getValue();
      long len = (long) t.data().remaining();
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("dtype", t.dtype().name());
      entry.put("shape", t.shape());
      entry.put("data_offsets", new long[] {offset, offset + len});
      header.put(e.getKey(), entry);
      offset += len;
    }
    Gson gson = new GsonBuilder().disableHtmlEscaping().create();
    byte[] json = gson.toJson(header).getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    byte[] headerBytes = Arrays.copyOf(json, padded);
    Arrays.fill(headerBytes, json.length, padded, (byte) ' ');
    AtomicFiles.write(file, out -> {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded);
      out.write(len.array());
      out.write(headerBytes);
      var channel = Channels.newChannel(out);
      for (HostTensor t : sorted.values()) {
        ByteBuffer d = t.data().duplicate();
        while (d.hasRemaining()) {
          channel.write(d);
        }
      }
    });
  }

  public static void write(Path file, Map<String, HostTensor> tensors) {
    write(file, tensors, Map.of());
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos + buf.position());
      if (n < 0) {
        throw new IOException("unexpected end of file");
      }
    }
  }

  /** The first line of a parser's message, without the exception class gson puts in front. */
  private static String firstLine(String message) {
    String m = message == null ? "" : message.lines().findFirst().orElse("");
    return m.replaceFirst("^[\\w.]+Exception: ", "");
  }

  private static BadInputException bad(Path file, String what) {
    return new BadInputException(file + ": " + what);
  }
}
