package io.decq.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.decq.core.error.BadInputException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** state.json is written and read through {@link CheckpointState} alone: a round trip gives the record back. */
class CheckpointStateTest {
  private static CheckpointState sample(Map<String, Long> extra) {
    Map<String, Object> train = new LinkedHashMap<>();
    train.put("max_steps", 60L);
    train.put("lr", 2.0e-3);
    train.put("betas", List.of(0.9, 0.95));
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("train", train);
    return new CheckpointState(30, new CheckpointState.Position(12, 4, 20), 30, extra, 1.5e-3, 1234567890123L,
        "stateless", config, Map.of("git_commit", "abc"));
  }

  @Test
  void roundTrip() {
    for (Map<String, Long> extra : List.of(Map.<String, Long>of(), Map.of("discriminator", 29L))) {
      CheckpointState s = sample(extra);
      CheckpointState back = CheckpointState.parse(s.toJsonText(), "state.json");
      assertEquals(s, back);
      assertEquals(extra.isEmpty(), !s.toJson().has("extra_optimizers"));
    }
  }

  @Test
  void layoutOfTheFile() {
    JsonObject j = sample(Map.of()).toJson();
    assertEquals(Checkpoint.FORMAT, j.get("format").getAsString());
    assertEquals(12, j.get("epoch").getAsLong());
    assertEquals(4, j.getAsJsonObject("data_position").get("index").getAsLong());
    assertEquals(20, j.getAsJsonObject("data_position").get("epoch_size").getAsLong());
    assertEquals(1234567890123L, j.getAsJsonObject("rng").get("seed").getAsLong());
    assertFalse(j.getAsJsonObject("config").getAsJsonObject("train").has("missing"));
  }

  @Test
  void badFilesNameTheProblem() {
    String text = sample(Map.of()).toJsonText();
    BadInputException other = assertThrows(BadInputException.class,
        () -> CheckpointState.parse(text.replace(Checkpoint.FORMAT, "decq-checkpoint-0"), "s.json"));
    assertTrue(other.getMessage().contains("has format 'decq-checkpoint-0', expected '" + Checkpoint.FORMAT + "'"),
        other.getMessage());
    BadInputException missing = assertThrows(BadInputException.class,
        () -> CheckpointState.parse("{\"format\": \"" + Checkpoint.FORMAT + "\", \"step\": 1}", "s.json"));
    assertTrue(missing.getMessage().startsWith("s.json has no 'data_position'"), missing.getMessage());
    BadInputException torn = assertThrows(BadInputException.class, () -> CheckpointState.parse("{\"step\": 2, ", "s.json"));
    assertTrue(torn.getMessage().contains("is not valid JSON"), torn.getMessage());
  }
}
