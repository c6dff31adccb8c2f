package io.decq.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The binder on a test-only record that has every supported component type (the project's sections do
 * not all have enums and lists yet).
 */
class ConfigBinderTest {
  enum Schedule {
    COSINE,
    LINEAR_WARMUP
  }

  record Inner(int depth, List<Integer> dims) {
    Inner {
      Check.atLeast("depth", depth, 1);
    }

    public static Inner defaults() {
      return new Inner(2, List.of(4, 8));
    }
  }

  record Sample(Schedule schedule, double rate, boolean flag, String name, long big, List<Double> weights,
      List<String> tags, Inner inner) {
    Sample {
      Check.inRange("rate", rate, 0.0, 1.0);
    }

    public static Sample defaults() {
      return new Sample(Schedule.COSINE, 0.5, false, null, 7L, List.of(1.0), List.of(), Inner.defaults());
    }
  }

  private static Sample bind(Map<String, Object> tree) {
    return ConfigBinder.bind(Sample.class, tree, path -> "test.yaml");
  }

  private static String fails(Map<String, Object> tree) {
    return assertThrows(ConfigException.class, () -> bind(tree)).getMessage();
  }

  private static Map<String, Object> tree(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void absentKeysTakeTheDefaults() {
    assertEquals(Sample.defaults(), bind(Map.of()));
    assertEquals(new Inner(3, List.of(4, 8)), bind(tree("inner", tree("depth", 3))).inner());
  }

  @Test
  void valuesOfEveryTypeBind() {
    Sample s = bind(tree("schedule", "linear-warmup", "rate", 1, "flag", true, "name", "run1", "big", 5_000_000_000L,
        "weights", List.of(0.25, 2), "tags", List.of("a", "b"), "inner", tree("dims", List.of(1, 2, 3))));
    assertEquals(new Sample(Schedule.LINEAR_WARMUP, 1.0, true, "run1", 5_000_000_000L, List.of(0.25, 2.0),
        List.of("a", "b"), new Inner(2, List.of(1, 2, 3))), s);
  }

  @Test
  void enumsAcceptTheirYamlSpellingAndNameTheChoices() {
    assertEquals(Schedule.LINEAR_WARMUP, bind(tree("schedule", "LINEAR_WARMUP")).schedule());
    assertEquals(Schedule.COSINE, bind(tree("schedule", "Cosine")).schedule());
    assertEquals("test.yaml: schedule: must be one of cosine, linear-warmup, got 'step'", fails(tree("schedule", "step")));
  }

  @Test
  void listsTakeAScalarAsOneItemAndCheckEachItem() {
    assertEquals(List.of(5), bind(tree("inner", tree("dims", 5))).inner().dims());
    assertEquals("test.yaml: inner.dims[1]: must be an integer, got 'x'",
        fails(tree("inner", tree("dims", List.of(1, "x")))));
    assertEquals("test.yaml: weights[0]: must be a number, got 'heavy'", fails(tree("weights", List.of("heavy"))));
  }

  @Test
  void wrongTypesNameKeyAndExpectation() {
    assertEquals("test.yaml: rate: must be a number, got 'fast'", fails(tree("rate", "fast")));
    assertEquals("test.yaml: flag: must be true or false, got 1", fails(tree("flag", 1)));
    assertEquals("test.yaml: inner.depth: must be an integer, got 2.5", fails(tree("inner", tree("depth", 2.5))));
    assertEquals("test.yaml: inner.depth: is out of the integer range, got 3000000000",
        fails(tree("inner", tree("depth", 3_000_000_000L))));
    assertEquals("test.yaml: inner.depth: must not be empty (expected int)", fails(tree("inner", tree("depth", null))));
    assertEquals("test.yaml: inner: must be a mapping of keys, got 3", fails(tree("inner", 3)));
    assertEquals("test.yaml: name: must be a string, got a list", fails(tree("name", List.of("a"))));
  }

  @Test
  void unknownKeysListWhatIsAllowed() {
    assertEquals("test.yaml: ratee: unknown key (did you mean rate?); allowed here: schedule, rate, flag, name, big, weights, tags, inner",
        fails(tree("ratee", 0.1)));
    assertEquals("test.yaml: inner.width: unknown key; allowed here: depth, dims", fails(tree("inner", tree("width", 2))));
  }

  @Test
  void outOfRangeValuesComeFromTheRecordsOwnChecks() {
    assertEquals("test.yaml: rate: must be in [0.0, 1.0], got 1.5", fails(tree("rate", 1.5)));
    assertEquals("test.yaml: inner.depth: must be >= 1, got 0", fails(tree("inner", tree("depth", 0))));
  }

  @Test
  void treeAndKeyPathsRoundTrip() {
    Sample s = new Sample(Schedule.LINEAR_WARMUP, 0.25, true, "x", 1L, List.of(2.0), List.of("t"), new Inner(4, List.of(1)));
    Map<String, Object> t = ConfigBinder.toTree(s);
    assertEquals("linear-warmup", t.get("schedule"));
    assertEquals(s, bind(t));
    assertEquals(List.of("schedule", "rate", "flag", "name", "big", "weights", "tags", "inner.depth", "inner.dims"),
        ConfigBinder.keyPaths(Sample.class));
    assertEquals(int.class, ConfigBinder.typeAt(Sample.class, "inner.depth"));
    assertEquals(null, ConfigBinder.typeAt(Sample.class, "inner.nope"));
  }
}
