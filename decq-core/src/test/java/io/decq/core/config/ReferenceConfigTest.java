package io.decq.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * configs/reference.yaml documents every key of each section it holds, with the default value: the
 * file must name every key path of those sections and bind to exactly {@link DecqConfig#defaults()}.
 */
class ReferenceConfigTest {

  private static Path referenceYaml() {
    Path data = Path.of(System.getProperty("decq.test.data", "src-test-data"));
    return data.toAbsolutePath().getParent().resolve("configs").resolve("reference.yaml");
  }

  @Test
  void everyKeyOfEachPresentSectionIsDocumented() {
    Path file = referenceYaml();
    assertTrue(Files.isRegularFile(file), "missing " + file);
    Map<String, Object> tree = ConfigLoader.readTree(file);
    assertFalse(tree.isEmpty(), file + " holds no section");
    List<String> missing = new ArrayList<>();
    int checked = 0;
    for (String path : ConfigBinder.keyPaths(DecqConfig.class)) {
      String section = path.substring(0, path.indexOf('.'));
      if (!tree.containsKey(section)) {
        continue;
      }
      checked++;
      if (!present(tree, path)) {
        missing.add(path);
      }
    }
    assertTrue(checked > 0, "no key path of DecqConfig belongs to the sections in " + file);
    assertEquals(List.of(), missing, file + " does not document these keys");
  }

  @Test
  void presentSectionsBindToTheDefaults() throws Exception {
    Path file = referenceYaml();
    Map<String, Object> tree = ConfigLoader.readTree(file);
    DecqConfig loaded = ConfigLoader.load(file, List.of());
    DecqConfig defaults = DecqConfig.defaults();
    for (RecordComponent c : DecqConfig.class.getRecordComponents()) {
      if (!tree.containsKey(ConfigBinder.snake(c.getName()))) {
        continue;
      }
      Object got = c.getAccessor().invoke(loaded);
      Object want = c.getAccessor().invoke(defaults);
      assertEquals(want, got, "section " + ConfigBinder.snake(c.getName()) + " of " + file + " differs from defaults()");
    }
  }

  private static boolean present(Map<String, Object> tree, String path) {
    Object cur = tree;
    for (String part : path.split("\\.")) {
      if (!(cur instanceof Map<?, ?> m) || !m.containsKey(part)) {
        return false;
      }
      cur = m.get(part);
    }
    return true;
  }
}
