package io.decq.train.loop;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.decq.core.config.ConfigBinder;
import io.decq.core.config.DecqConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The config keys whose values differ between a checkpoint's saved config and the config of a resumed run. */
final class ConfigDiff {
  private ConfigDiff() {}

  /**
   * One {@code key.path old -> new} entry per changed key, in the config's key order.
   *
   * @param saved the saved config tree (state.json's {@code config}); null: nothing to compare
   */
  static List<String> changes(Map<String, Object> saved, DecqConfig now) {
    List<String> changed = new ArrayList<>();
    if (saved == null) {
      return changed;
    }
    Gson gson = new Gson();
    JsonObject before = gson.toJsonTree(saved).getAsJsonObject();
    JsonObject after = gson.toJsonTree(ConfigBinder.toTree(now)).getAsJsonObject();
    for (String path : ConfigBinder.keyPaths(DecqConfig.class)) {
      JsonElement a = at(before, path);
      JsonElement b = at(after, path);
      if (!Objects.equals(a, b)) {
        changed.add(path + " " + a + " -> " + b);
      }
    }
    return changed;
  }

  private static JsonElement at(JsonObject tree, String path) {
    JsonElement cur = tree;
    for (String part : path.split("\\.")) {
      if (cur == null || !cur.isJsonObject()) {
        return null;
      }
      cur = cur.getAsJsonObject().get(part);
    }
    return cur;
  }
}
