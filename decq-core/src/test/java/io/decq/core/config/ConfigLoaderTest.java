package io.decq.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.decq.core.error.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** YAML files and --set overrides onto the real {@link DecqConfig}, and every way they can be wrong. */
class ConfigLoaderTest {
  @TempDir Path tmp;

  private Path yaml(String text) throws IOException {
    Path p = tmp.resolve("run.yaml");
    Files.writeString(p, text);
    return p;
  }

  private static String trainKeys() {
    return String.join(", ", ConfigBinder.keysOf(TrainConfig.class));
  }

  private static String fails(Path file, String... sets) {
    return assertThrows(BadInputException.class, () -> ConfigLoader.load(file, List.of(sets))).getMessage();
  }

  @Test
  void fileValuesAndOverridesApplyInOrder() throws IOException {
    Path f = yaml("train:\n  max_steps: 20\n  batch_size: 4\n");
    TrainConfig t = ConfigLoader.load(f, List.of("train.batch_size=16", "train.seed=9")).train();
    TrainConfig d = TrainConfig.defaults();
    assertEquals(20, t.maxSteps());
    assertEquals(16, t.batchSize());
    assertEquals(9, t.seed());
    assertEquals(d.checkpointEvery(), t.checkpointEvery());
    assertEquals(d.lr(), t.lr());
    assertEquals(DecqConfig.defaults(), ConfigLoader.load(null, List.of()));
    assertEquals(DecqConfig.defaults(), ConfigLoader.load(yaml(""), null));
  }

  @Test
  void outOfRangeValueNamesFileAndKey() throws IOException {
    Path f = yaml("train:\n  max_steps: 0\n");
    assertEquals(f + ": train.max_steps: must be >= 1, got 0", fails(f));
    assertEquals("--set: train.log_every: must be >= 1, got 0", fails(null, "train.log_every=0"));
  }

  @Test
  void unknownKeysAndSectionsListWhatIsAllowed() throws IOException {
    Path f = yaml("train:\n  max_step: 10\n");
    assertEquals(f + ": train.max_step: unknown key (did you mean max_steps?); allowed here: " + trainKeys(), fails(f));
    Path g = yaml("trian:\n  max_steps: 10\n");
    assertEquals(g + ": trian: unknown key (did you mean train?); allowed here: encoder, queries, decoder, loss, ae, dit, flow, train, eval, data",
        fails(g));
    Path h = yaml("dit:\n  root: /tmp\n");
    if (ConfigBinder.keysOf(DitConfig.class).isEmpty()) {
      assertEquals(h + ": dit.root: unknown key: this section has no keys yet", fails(h));
    }
  }

  @Test
  void wrongTypeNamesTheExpectation() throws IOException {
    Path f = yaml("train:\n  batch_size: eight\n");
    assertEquals(f + ": train.batch_size: must be an integer, got 'eight'", fails(f));
    assertEquals("--set: train.seed: must be an integer, got 'abc'", fails(null, "train.seed=abc"));
    Path g = yaml("train: 5\n");
    assertEquals(g + ": train: must be a mapping of keys, got 5", fails(g));
  }

  @Test
  void setOverrideParsing() {
    assertEquals("--set train.nope: unknown key; allowed here: " + trainKeys(),
        fails(null, "train.nope=1"));
    assertEquals("--set nope.max_steps: unknown key", fails(null, "nope.max_steps=1"));
    assertEquals("--set train: is a section; set one of its keys: " + trainKeys(),
        fails(null, "train=3"));
    assertEquals("--set train.max_steps: expected key.path=value, e.g. --set train.max_steps=100",
        fails(null, "train.max_steps"));
    assertEquals("--set =3: expected key.path=value, e.g. --set train.max_steps=100", fails(null, "=3"));
  }

  @Test
  void yamlSyntaxErrorGivesTheLine() throws IOException {
    Path f = yaml("train:\n  max_steps: 10\n\tbatch_size: 4\n");
    String m = fails(f);
    assertTrue(m.startsWith(f + ":3: invalid YAML: "), m);
    Path g = yaml("train:\n  max_steps: [1, 2\n");
    assertTrue(fails(g).startsWith(g + ":3: invalid YAML"), fails(g));
  }

  @Test
  void fileProblemsAreOneLine() throws IOException {
    assertEquals(tmp.resolve("none.yaml") + ": config file not found", fails(tmp.resolve("none.yaml")));
    Path list = yaml("- train\n- eval\n");
    assertEquals(list + ": the top level must be a mapping of sections (encoder:, train:, ...)", fails(list));
  }

  @Test
  void resolvedYamlReadsBackToTheSameConfig() throws IOException {
    DecqConfig c = ConfigLoader.load(null, List.of("train.max_steps=77", "train.seed=3"));
    Path f = yaml(ConfigLoader.toYaml(c));
    assertEquals(c, ConfigLoader.load(f, List.of()));
    assertTrue(Files.readString(f).contains("max_steps: 77"));
  }
}
