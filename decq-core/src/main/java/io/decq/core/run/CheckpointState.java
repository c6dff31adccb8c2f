package io.decq.core.run;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.ToNumberPolicy;
import io.decq.core.error.BadInputException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a checkpoint's {@code state.json} holds, written by the trainer and read back by every loader
 * through this one record:
 *
 * <pre>
 *   format            "decq-checkpoint-1" ({@link Checkpoint#FORMAT})
 *   step              optimizer steps done
 *   epoch             the data position's epoch (for readers; not read back)
 *   data_position     {epoch, index, epoch_size}: where the data stream stood
 *   optimizer_step    the main optimizer's own step count (t of Adam's bias correction)
 *   extra_optimizers  {NAME: step} for each further optimizer (absent when there is none)
 *   lr                the main learning rate at that step
 *   rng               {seed, scheme}
 *   config            the resolved config, as a tree of the config's YAML keys
 *   provenance        git commit, library versions, device, ...
 * </pre>
 *
 * @param step optimizer steps done
 * @param position where the data stream stood
 * @param optimizerStep the main optimizer's step count
 * @param extraOptimizerSteps the step count of each further optimizer by name (empty: none)
 * @param lr the main learning rate at {@code step}
 * @param seed the run's seed
 * @param rngScheme how the random streams derive from the seed
 * @param config the resolved config tree (null when unknown)
 * @param provenance how the checkpoint was made
 */
public record CheckpointState(long step, Position position, long optimizerStep, Map<String, Long> extraOptimizerSteps,
    double lr, long seed, String rngScheme, Map<String, Object> config, Map<String, Object> provenance) {

  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls()
      .serializeSpecialFloatingPointValues().disableHtmlEscaping().create();
  /** Trees of config and provenance: unset (null) keys are left out, as the config files leave them out. */
  private static final Gson TREE = new Gson();
  /** Integers stay integers when read (a long seed would lose digits as a double). */
  private static final Gson READ = new GsonBuilder().setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE).create();

  /**
   * Where a data stream stood.
   *
   * @param epoch pass over the data, from 0
   * @param index position of the next sample within the epoch's order, from 0
   * @param epochSize samples per epoch
   */
  public record Position(long epoch, long index, long epochSize) {}

  public CheckpointState {
    Objects.requireNonNull(position, "position");
    extraOptimizerSteps = Map.copyOf(extraOptimizerSteps);
    config = config == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(config));
    provenance = provenance == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(provenance));
  }

  /** The state.json tree. */
  public JsonObject toJson() {
    JsonObject state = new JsonObject();
    state.addProperty("format", Checkpoint.FORMAT);
    state.addProperty("step", step);
    state.addProperty("epoch", position.epoch());
    JsonObject pos = new JsonObject();
    pos.addProperty("epoch", position.epoch());
    pos.addProperty("index", position.index());
    pos.addProperty("epoch_size", position.epochSize());
    state.add("data_position", pos);
    state.addProperty("optimizer_step", optimizerStep);
    if (!extraOptimizerSteps.isEmpty()) {
      JsonObject extra = new JsonObject();
      new TreeMap<>(extraOptimizerSteps).forEach(extra::addProperty);
      state.add("extra_optimizers", extra);
    }
    state.addProperty("lr", lr);
    JsonObject rng = new JsonObject();
    rng.addProperty("seed", seed);
    rng.addProperty("scheme", rngScheme);
    state.add("rng", rng);
    state.add("config", TREE.toJsonTree(config));
    state.add("provenance", TREE.toJsonTree(provenance));
    return state;
  }

  /** The state.json text (pretty-printed, newline-terminated). */
  public String toJsonText() {
    return GSON.toJson(toJson()) + "\n";
  }

  /**
   * Parses state.json text.
   *
   * @param source names the file in messages
   * @throws BadInputException when it is not JSON, lacks a required key, or has another format
   */
  public static CheckpointState parse(String text, String source) {
    JsonObject state;
    try {
      JsonElement e = JsonParser.parseString(text);
      if (!e.isJsonObject()) {
        throw new BadInputException(source + " is not a JSON object (corrupt checkpoint)");
      }
      state = e.getAsJsonObject();
    } catch (JsonParseException e) {
      throw new BadInputException(source + " is not valid JSON (corrupt checkpoint): " + e.getMessage());
    }
    for (String key : List.of("format", "step", "data_position", "optimizer_step")) {
      if (!state.has(key)) {
        throw new BadInputException(source + " has no '" + key + "' (corrupt, or not a DecQ checkpoint)");
      }
    }
    String format = state.get("format").getAsString();
    if (!Checkpoint.FORMAT.equals(format)) {
      throw new BadInputException(source + " has format '" + format + "', expected '" + Checkpoint.FORMAT + "'");
    }
    try {
      JsonObject p = state.getAsJsonObject("data_position");
      Position position = new Position(p.get("epoch").getAsLong(), p.get("index").getAsLong(),
          p.has("epoch_size") ? p.get("epoch_size").getAsLong() : -1);
      if (position.epoch() < 0 || position.index() < 0) {
        throw new IllegalArgumentException("negative data position " + p);
      }
      Map<String, Long> extra = new LinkedHashMap<>();
      if (state.has("extra_optimizers")) {
        state.getAsJsonObject("extra_optimizers").entrySet().forEach(e -> extra.put(e.getKey(), e.getValue().getAsLong()));
      }
      JsonObject rng = state.has("rng") ? state.getAsJsonObject("rng") : new JsonObject();
      return new CheckpointState(state.get("step").getAsLong(), position, state.get("optimizer_step").getAsLong(), extra,
          state.has("lr") ? state.get("lr").getAsDouble() : Double.NaN,
          rng.has("seed") ? rng.get("seed").getAsLong() : 0,
          rng.has("scheme") ? rng.get("scheme").getAsString() : null,
          tree(state.get("config")), tree(state.get("provenance")));
    } catch (RuntimeException e) {
      throw new BadInputException(source + " has a malformed step or data_position (corrupt checkpoint): " + e.getMessage());
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> tree(JsonElement e) {
    return e == null || !e.isJsonObject() ? null : READ.fromJson(e, Map.class);
  }
}
