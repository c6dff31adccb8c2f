package io.decq.train.run;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.decq.core.io.AtomicFiles;
import io.decq.core.run.Metrics;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code metrics.jsonl}: one JSON object per line, appended and flushed as training goes. */
public final class MetricsLog implements AutoCloseable {
  private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().disableHtmlEscaping().create();
  private final Path file;
  private final BufferedWriter out;

  /** Opens {@code file} for appending (created if absent). */
  public MetricsLog(Path file) {
    this.file = file;
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + file + ": " + e.getMessage(), e);
    }
  }

  /** Appends one record (insertion order is kept) and flushes. */
  public void append(Map<String, ?> record) {
    try {
      out.write(GSON.toJson(record));
      out.write('\n');
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** The records of a metrics file, in order (lines that are not JSON objects are skipped). */
  public static List<JsonObject> read(Path file) {
    List<JsonObject> out = new ArrayList<>();
    if (!Files.exists(file)) {
      return out;
    }
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        JsonObject o = parse(line);
        if (o != null) {
          out.add(o);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return out;
  }

  /**
   * Drops the records of steps after {@code step} (a run resumed from that step writes them again), and
   * any torn last line. Call before opening the log.
   */
  public static void truncateAfter(Path file, long step) {
    if (!Files.exists(file)) {
      return;
    }
    StringBuilder kept = new StringBuilder();
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        JsonObject o = parse(line);
        if (o != null && (!o.has(Metrics.STEP) || o.get(Metrics.STEP).getAsLong() <= step)) {
          kept.append(line).append('\n');
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    AtomicFiles.writeString(file, kept.toString());
  }

  private static JsonObject parse(String line) {
    if (line.isBlank()) {
      return null;
    }
    try {
      JsonElement e = JsonParser.parseString(line);
      return e.isJsonObject() ? e.getAsJsonObject() : null;
    } catch (JsonParseException e) {
      return null;
    }
  }

  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close " + file + ": " + e.getMessage(), e);
    }
  }
}
