package io.decq.eval.report;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.decq.core.error.BadInputException;
import io.decq.core.run.Metrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Training curves from a run directory's {@code metrics.jsonl}: one JSON object per logged step, the
 * columns of {@link Metrics} and each loss term.
 */
public final class LossCurves {
  private static final Logger LOG = LoggerFactory.getLogger(LossCurves.class);
  /** How many folders above a checkpoint {@link #find} looks (step-N -> checkpoints -> run). */
  private static final int SEARCH_DEPTH = 4;

  private LossCurves() {}

  /** One metric over training steps. */
  public record Series(String name, double[] steps, double[] values) {}

  /**
   * The metrics file of the run a checkpoint belongs to: {@code path} itself when it is a metrics
   * file, else the first {@code metrics.jsonl} in {@code path} (or its folder) and up to three folders
   * above it, so a run directory, {@code run/checkpoints/step-N/} or a weight file inside it all work.
   */
  public static Optional<Path> find(Path path) {
    if (Files.isRegularFile(path) && path.getFileName().toString().equals(Metrics.FILE)) {
      return Optional.of(path);
    }
    Path dir = Files.isDirectory(path) ? path.toAbsolutePath() : path.toAbsolutePath().getParent();
    for (int i = 0; i < SEARCH_DEPTH && dir != null; i++, dir = dir.getParent()) {
      Path candidate = dir.resolve(Metrics.FILE);
      if (Files.isRegularFile(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * Every numeric field except {@code step} as a series, in order of first appearance. A malformed last
   * line (a run still writing) is skipped; a malformed line elsewhere is bad input.
   */
  public static Map<String, Series> read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    Map<String, List<double[]>> points = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty()) {
        continue;
      }
      JsonObject row;
      try {
        JsonElement e = JsonParser.parseString(line);
        row = e.isJsonObject() ? e.getAsJsonObject() : null;
      } catch (JsonParseException e) {
        row = null;
      }
      if (row == null || !isNumber(row.get(Metrics.STEP))) {
        if (i == lines.size() - 1) {
          LOG.warn("{}: skipping the unfinished last line {}", file, i + 1);
          continue;
        }
        throw new BadInputException(file + ":" + (i + 1) + ": expected a JSON object with a numeric step");
      }
      double step = row.get(Metrics.STEP).getAsDouble();
      for (Map.Entry<String, JsonElement> f : row.entrySet()) {
        if (!f.getKey().equals(Metrics.STEP) && isNumber(f.getValue())) {
          points.computeIfAbsent(f.getKey(), k -> new ArrayList<>()).add(new double[] {step, f.getValue().getAsDouble()});
        }
      }
    }
    Map<String, Series> out = new LinkedHashMap<>();
    points.forEach((name, pts) -> {
      double[] steps = new double[pts.size()];
      double[] values = new double[pts.size()];
      for (int i = 0; i < pts.size(); i++) {
        steps[i] = pts.get(i)[0];
        values[i] = pts.get(i)[1];
      }
      out.put(name, new Series(name, steps, values));
    });
    return out;
  }

  private static boolean isNumber(JsonElement e) {
    return e != null && e.isJsonPrimitive() && ((JsonPrimitive) e).isNumber();
  }
}
