package io.decq.core.config;

import io.decq.core.error.BadInputException;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads a YAML config file, applies {@code --set key.path=value} overrides and binds the result onto
 * {@link DecqConfig}. A missing file, invalid YAML, an unknown key or a bad value fails with a one-line
 * message naming the file (or {@code --set}) and the key.
 */
public final class ConfigLoader {
  private ConfigLoader() {}

  /** Loads {@code file} (null: the defaults) with the overrides applied in order. */
  public static DecqConfig load(Path file, List<String> overrides) {
    Map<String, Object> tree = file == null ? new LinkedHashMap<>() : readTree(file);
    return bind(tree, file == null ? "(defaults)" : file.toString(), overrides);
  }

  /**
   * The config of YAML text with {@code key.path=value} overrides applied in order, validated like a file
   * (messages name {@code (yaml text)}): a readable way to make a config in code and tests, e.g.
   * {@code fromYaml("train: {max_steps: 12, lr: 3.0e-3}", "data.path=" + images)}.
   */
  public static DecqConfig fromYaml(String yaml, String... overrides) {
    String source = "(yaml text)";
    Object root;
    try {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
    } catch (YAMLException e) {
      throw new BadInputException(source + ": invalid YAML: " + e.getMessage());
    }
    if (root != null && !(root instanceof Map<?, ?>)) {
      throw new BadInputException(source + ": the top level must be a mapping of sections (encoder:, train:, ...)");
    }
    Map<String, Object> tree = root == null ? new LinkedHashMap<>() : deepCopy((Map<?, ?>) root);
    return bind(tree, source, List.of(overrides));
  }

  private static DecqConfig bind(Map<String, Object> tree, String source, List<String> overrides) {
    Set<String> fromSet = new HashSet<>();
    for (String o : overrides == null ? List.<String>of() : overrides) {
      fromSet.add(applyOverride(tree, o));
    }
    return ConfigBinder.bind(
        DecqConfig.class,
        tree,
        path -> fromSet.stream().anyMatch(p -> path.equals(p) || path.startsWith(p + ".") || path.startsWith(p + "["))
            ? "--set"
            : source);
  }

  /** The YAML text of a resolved config (every key, defaults filled in). */
  public static String toYaml(Record config) {
    DumperOptions opts = new DumperOptions();
    opts.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    opts.setIndent(2);
    opts.setSplitLines(false);
    return new Yaml(opts).dump(ConfigBinder.toTree(config));
  }

  /** Parses a YAML file into a tree; the top level must be a mapping (an empty file is allowed). */
  public static Map<String, Object> readTree(Path file) {
    try (Reader r = Files.newBufferedReader(file)) {
      Object root = new Yaml(new SafeConstructor(new LoaderOptions())).load(r);
      if (root == null) {
        return new LinkedHashMap<>();
      }
      if (!(root instanceof Map<?, ?> m)) {
        throw new BadInputException(file + ": the top level must be a mapping of sections (encoder:, train:, ...)");
      }
      return deepCopy(m);
    } catch (NoSuchFileException e) {
      throw new BadInputException(file + ": config file not found");
    } catch (MarkedYAMLException e) {
      int line = e.getProblemMark() == null ? -1 : e.getProblemMark().getLine() + 1;
      throw new BadInputException(file + ":" + line + ": invalid YAML: " + e.getProblem());
    } catch (YAMLException e) {
      throw new BadInputException(file + ": invalid YAML: " + e.getMessage());
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read config: " + e.getMessage());
    }
  }

  /** Applies one {@code key.path=value} to the tree and returns the key path. */
  static String applyOverride(Map<String, Object> tree, String override) {
    int eq = override.indexOf('=');
    if (eq <= 0) {
      throw new BadInputException("--set " + override + ": expected key.path=value, e.g. --set train.max_steps=100");
    }
    String path = override.substring(0, eq).trim();
    String text = override.substring(eq + 1);
    Class<?> type = ConfigBinder.typeAt(DecqConfig.class, path);
    if (type == null) {
      int dot = path.lastIndexOf('.');
      Class<?> parent = dot < 0 ? DecqConfig.class : ConfigBinder.typeAt(DecqConfig.class, path.substring(0, dot));
      String allowed = parent == null ? "" : "; allowed here: " + String.join(", ", ConfigBinder.keysOf(parent));
      throw new BadInputException("--set " + path + ": unknown key" + allowed);
    }
    if (type.isRecord()) {
      throw new BadInputException("--set " + path + ": is a section; set one of its keys: "
          + String.join(", ", ConfigBinder.keysOf(type)));
    }
    Object value;
    if (type == String.class) {
      value = text;
    } else {
      try {
        value = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
      } catch (YAMLException e) {
        throw new BadInputException("--set " + path + ": cannot parse value '" + text + "'");
      }
    }
    String[] parts = path.split("\\.");
    Map<String, Object> cur = tree;
    for (int i = 0; i < parts.length - 1; i++) {
      Object next = cur.get(parts[i]);
      if (!(next instanceof Map)) {
        Map<String, Object> fresh = new LinkedHashMap<>();
        cur.put(parts[i], fresh);
        cur = fresh;
      } else {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) next;
        cur = m;
      }
    }
    cur.put(parts[parts.length - 1], value);
    return path;
  }

  private static Map<String, Object> deepCopy(Map<?, ?> m) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      Object v = e.getValue();
      out.put(String.valueOf(e.getKey()), v instanceof Map<?, ?> sub ? deepCopy(sub) : v);
    }
    return out;
  }
}
