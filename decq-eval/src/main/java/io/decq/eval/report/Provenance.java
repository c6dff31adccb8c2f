package io.decq.eval.report;

import ai.djl.engine.Engine;
import com.google.gson.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * How a report was made: the command, when, the software versions and the inputs. Every eval report
 * carries one under the key {@code provenance}.
 */
public final class Provenance {
  private Provenance() {}

  /**
   * A provenance record.
   *
   * @param command the command, e.g. {@code eval iq}
   * @param inputs what was read and the settings that change the numbers (name -> value; paths are made absolute by the caller)
   */
  public static JsonObject of(String command, Map<String, String> inputs) {
    JsonObject versions = new JsonObject();
    String decq = Provenance.class.getPackage().getImplementationVersion();
    versions.addProperty("decq", decq == null ? "dev" : decq);
    versions.addProperty("djl", Engine.getDjlVersion());
    versions.addProperty("java", System.getProperty("java.version"));
    versions.addProperty("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    JsonObject in = new JsonObject();
    inputs.forEach(in::addProperty);
    JsonObject p = new JsonObject();
    p.addProperty("command", "decq " + command);
    p.addProperty("created", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    p.add("versions", versions);
    p.add("inputs", in);
    return p;
  }
}
