package io.decq.eval.report;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import io.decq.core.io.AtomicFiles;
import java.nio.file.Path;

/**
 * The machine-readable side of a report: pretty-printed JSON, written atomically. Doubles keep full
 * precision; non-finite values are written as Python's json module writes them ({@code Infinity},
 * {@code NaN}), e.g. the PSNR of identical images; JSON nulls (a metric not computed) are kept.
 */
public final class JsonReport {
  private static final Gson GSON = new GsonBuilder()
      .setPrettyPrinting()
      .disableHtmlEscaping()
      .serializeNulls()
      .serializeSpecialFloatingPointValues()
      .create();

  private JsonReport() {}

  /** The JSON text of {@code report}. */
  public static String toJson(JsonElement report) {
    return GSON.toJson(report) + "\n";
  }

  /** Writes {@code report} to {@code file} atomically. */
  public static void write(Path file, JsonElement report) {
    AtomicFiles.writeString(file, toJson(report));
  }
}
