package io.decq.core.nn;

import io.decq.core.error.BadInputException;
import io.decq.core.io.HostTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Checks a state dict against the keys and shapes a model expects, for every model that loads weights
 * ({@link DecqBlock#loadStateDict}, the FID Inception network), with one report format.
 */
public final class StateDicts {
  private static final int SHOWN = 8;

  private StateDicts() {}

  /**
   * Missing keys, unexpected keys (unless {@code ignore} accepts them), shape mismatches and
   * non-floating dtypes, reported together in one {@link BadInputException}: {@code SOURCE: weights do not
   * fit MODEL: missing keys (n): a, b; shape mismatches (n): k [1000] (expected [1008]); unexpected keys
   * (n): c;} (at most eight names per list).
   *
   * @param expected the model's keys with their shapes, in the model's order
   * @param model names the model in the message (e.g. {@code the model})
   * @param ignore keys of the file the model does not use (null: none)
   */
  public static void check(Map<String, long[]> expected, Map<String, HostTensor> state, String source, String model,
      Predicate<String> ignore) {
    List<String> missing = new ArrayList<>();
    List<String> mismatched = new ArrayList<>();
    List<String> unexpected = new ArrayList<>();
    for (Map.Entry<String, long[]> e : expected.entrySet()) {
      HostTensor t = state.get(e.getKey());
      if (t == null) {
        missing.add(e.getKey());
        continue;
      }
      if (!Arrays.equals(e.getValue(), t.shape())) {
        mismatched.add(e.getKey() + " " + Arrays.toString(t.shape()) + " (expected " + Arrays.toString(e.getValue()) + ")");
      }
      if (!t.dtype().isFloating()) {
        mismatched.add(e.getKey() + " has dtype " + t.dtype() + " (expected a floating type)");
      }
    }
    for (String k : state.keySet()) {
      if (!expected.containsKey(k) && (ignore == null || !ignore.test(k))) {
        unexpected.add(k);
      }
    }
    if (!missing.isEmpty() || !mismatched.isEmpty() || !unexpected.isEmpty()) {
      StringBuilder sb = new StringBuilder(source).append(": weights do not fit ").append(model).append(':');
      appendList(sb, "missing keys", missing);
      appendList(sb, "shape mismatches", mismatched);
      appendList(sb, "unexpected keys", unexpected);
      throw new BadInputException(sb.toString());
    }
  }

  private static void appendList(StringBuilder sb, String what, List<String> items) {
    if (items.isEmpty()) {
      return;
    }
    sb.append(' ').append(what).append(" (").append(items.size()).append("): ");
    sb.append(String.join(", ", items.subList(0, Math.min(SHOWN, items.size()))));
    if (items.size() > SHOWN) {
      sb.append(", ... (").append(items.size() - SHOWN).append(" more)");
    }
    sb.append(';');
  }
}
