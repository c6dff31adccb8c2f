package io.decq.core.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Maps a YAML tree (nested maps, lists and scalars) onto typed config records, and back.
 *
 * <p>Rules: YAML keys are the snake_case form of the record components ({@code maxSteps} is {@code
 * max_steps}); a key that is absent takes the value of the record's {@code static T defaults()} (the
 * one place defaults live); an unknown key, a wrong type or a value the record's compact constructor
 * rejects fails with {@code source: key.path: what is allowed}. Supported component types: int, long,
 * double, boolean, String, enums (written lower-case with '-' for '_', matched case-insensitively),
 * {@code List<Integer|Long|Double|String>} and nested records.
 */
public final class ConfigBinder {
  private ConfigBinder() {}

  /**
   * Binds {@code tree} onto {@code type}.
   *
   * @param sourceOf names where the value at a key path came from (a file, or "--set"), for messages
   */
  public static <T extends Record> T bind(
      Class<T> type, Map<?, ?> tree, Function<String, String> sourceOf) {
    return bindRecord(type, tree, "", defaultsOf(type), sourceOf);
  }

  /** The record's defaults, from its {@code static T defaults()} method. */
  public static <T extends Record> T defaultsOf(Class<T> type) {
    try {
      Method m = type.getMethod("defaults");
      return type.cast(m.invoke(null));
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(type.getName() + " has no static defaults() method", e);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException("cannot call " + type.getName() + ".defaults()", e);
    }
  }

  /** The record as a YAML tree (snake_case keys, insertion order = component order). */
  public static Map<String, Object> toTree(Record record) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (RecordComponent c : record.getClass().getRecordComponents()) {
      out.put(snake(c.getName()), toYamlValue(read(c, record)));
    }
    return out;
  }

  /** Every leaf key path of the record type ({@code train.max_steps}, ...), in component order. */
  public static List<String> keyPaths(Class<? extends Record> type) {
    List<String> out = new ArrayList<>();
    collectPaths(type, "", out);
    return out;
  }

  /** The component type at a key path, or null when no such key exists. */
  public static Class<?> typeAt(Class<? extends Record> root, String path) {
    Class<?> cur = root;
    for (String part : path.split("\\.", -1)) {
      if (!cur.isRecord()) {
        return null;
      }
      RecordComponent found = null;
      for (RecordComponent c : cur.getRecordComponents()) {
        if (snake(c.getName()).equals(part)) {
          found = c;
        }
      }
      if (found == null) {
        return null;
      }
      cur = found.getType();
    }
    return cur;
  }

  /** The allowed keys at the record type reached by the path's parent, for messages. */
  public static List<String> keysOf(Class<?> type) {
    List<String> out = new ArrayList<>();
    if (type.isRecord()) {
      for (RecordComponent c : type.getRecordComponents()) {
        out.add(snake(c.getName()));
      }
    }
    return out;
  }

  static String snake(String camel) {
    StringBuilder sb = new StringBuilder();
    for (char ch : camel.toCharArray()) {
      if (Character.isUpperCase(ch)) {
        sb.append('_').append(Character.toLowerCase(ch));
      } else {
        sb.append(ch);
      }
    }
    return sb.toString();
  }

  /** The YAML spelling of an enum constant: lower case, '-' for '_'. */
  public static String enumKey(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** " (did you mean X?)" for the allowed key nearest to a misspelt one (edit distance <= 2), else "". */
  static String suggestion(String key, List<String> allowed) {
    String best = null;
    int bestDist = 3;
    for (String a : allowed) {
      int d = editDistance(key, a);
      if (d < bestDist) {
        bestDist = d;
        best = a;
      }
    }
    return best == null ? "" : " (did you mean " + best + "?)";
  }

  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  private static void collectPaths(Class<?> type, String prefix, List<String> out) {
    for (RecordComponent c : type.getRecordComponents()) {
      String path = prefix + snake(c.getName());
      if (c.getType().isRecord()) {
        collectPaths(c.getType(), path + ".", out);
      } else {
        out.add(path);
      }
    }
  }

  private static <T extends Record> T bindRecord(
      Class<T> type, Map<?, ?> tree, String prefix, T defaults, Function<String, String> sourceOf) {
    RecordComponent[] comps = type.getRecordComponents();
    List<String> allowed = keysOf(type);
    for (Object key : tree.keySet()) {
      if (!(key instanceof String) || !allowed.contains(key)) {
        String where = prefix + key;
        String what =
            allowed.isEmpty()
                ? "unknown key: this section has no keys yet"
                : "unknown key" + suggestion(String.valueOf(key), allowed) + "; allowed here: " + String.join(", ", allowed);
        throw new ConfigException(sourceOf.apply(where) + ": " + where, what);
      }
    }
    Object[] args = new Object[comps.length];
    Class<?>[] types = new Class<?>[comps.length];
    for (int i = 0; i < comps.length; i++) {
      RecordComponent c = comps[i];
      types[i] = c.getType();
      String key = snake(c.getName());
      Object fallback = read(c, defaults);
      if (!tree.containsKey(key)) {
        args[i] = fallback;
        continue;
      }
      Object raw = tree.get(key);
      String path = prefix + key;
      if (c.getType().isRecord()) {
        Map<?, ?> sub;
        if (raw == null) {
          sub = Map.of();
        } else if (raw instanceof Map<?, ?> m) {
          sub = m;
        } else {
          throw new ConfigException(
              sourceOf.apply(path) + ": " + path, "must be a mapping of keys, got " + describe(raw));
        }
        args[i] = bindNested(c.getType(), sub, path + ".", fallback, sourceOf);
      } else {
        args[i] = convert(raw, c.getType(), c.getGenericType(), path, sourceOf);
      }
    }
    try {
      Constructor<T> ctor = type.getDeclaredConstructor(types);
      return ctor.newInstance(args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof ConfigException ce) {
        String path = prefix + ce.key();
        throw new ConfigException(sourceOf.apply(path) + ": " + path, ce.reason());
      }
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot construct " + type.getName(), e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Object bindNested(
      Class<?> type, Map<?, ?> tree, String prefix, Object fallback, Function<String, String> sourceOf) {
    return bindRecord((Class<Record>) type, tree, prefix, (Record) fallback, sourceOf);
  }

  private static Object read(RecordComponent c, Record r) {
    try {
      return c.getAccessor().invoke(r);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Object convert(
      Object raw, Class<?> type, Type generic, String path, Function<String, String> sourceOf) {
    String where = sourceOf.apply(path) + ": " + path;
    if (raw == null) {
      if (type == String.class) {
        return null;
      }
      throw new ConfigException(where, "must not be empty (expected " + typeName(type, generic) + ")");
    }
    if (type == int.class || type == Integer.class) {
      long v = integral(raw, where, "an integer");
      if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
        throw new ConfigException(where, "is out of the integer range, got " + raw);
      }
      return (int) v;
    }
    if (type == long.class || type == Long.class) {
      return integral(raw, where, "an integer");
    }
    if (type == double.class || type == Double.class) {
      if (raw instanceof Number n) {
        return n.doubleValue();
      }
      throw new ConfigException(where, "must be a number, got " + describe(raw));
    }
    if (type == boolean.class || type == Boolean.class) {
      if (raw instanceof Boolean b) {
        return b;
      }
      throw new ConfigException(where, "must be true or false, got " + describe(raw));
    }
    if (type == String.class) {
      if (raw instanceof String || raw instanceof Number || raw instanceof Boolean) {
        return raw.toString();
      }
      throw new ConfigException(where, "must be a string, got " + describe(raw));
    }
    if (type.isEnum()) {
      return enumValue(raw, type, where);
    }
    if (type == List.class) {
      Type elem = ((ParameterizedType) generic).getActualTypeArguments()[0];
      List<?> items;
      if (raw instanceof List<?> l) {
        items = l;
      } else {
        items = List.of(raw);
      }
      List<Object> out = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        out.add(convert(items.get(i), (Class<?>) elem, elem, path + "[" + i + "]", sourceOf));
      }
      return List.copyOf(out);
    }
    throw new IllegalStateException("unsupported config type " + type + " at " + path);
  }

  private static long integral(Object raw, String where, String what) {
    if (raw instanceof Integer || raw instanceof Long) {
      return ((Number) raw).longValue();
    }
    if (raw instanceof Double d && d == Math.rint(d) && Math.abs(d) < 9e15) {
      return d.longValue();
    }
    throw new ConfigException(where, "must be " + what + ", got " + describe(raw));
  }

  private static Object enumValue(Object raw, Class<?> type, String where) {
    List<String> names = new ArrayList<>();
    for (Object constant : type.getEnumConstants()) {
      String k = enumKey((Enum<?>) constant);
      names.add(k);
      if (raw instanceof String s && (k.equalsIgnoreCase(s) || k.equalsIgnoreCase(s.replace('_', '-')))) {
        return constant;
      }
    }
    throw new ConfigException(where, "must be one of " + String.join(", ", names) + ", got " + describe(raw));
  }

  private static String describe(Object raw) {
    if (raw instanceof String s) {
      return "'" + s + "'";
    }
    if (raw instanceof Map) {
      return "a mapping";
    }
    if (raw instanceof List) {
      return "a list";
    }
    return String.valueOf(raw);
  }

  private static String typeName(Class<?> type, Type generic) {
    return type == List.class ? "a list" : type.getSimpleName().toLowerCase(Locale.ROOT);
  }

  private static Object toYamlValue(Object v) {
    if (v instanceof Record r) {
      return toTree(r);
    }
    if (v instanceof Enum<?> e) {
      return enumKey(e);
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      for (Object o : l) {
        out.add(toYamlValue(o));
      }
      return out;
    }
    return v;
  }
}
