package io.decq.core.io;

import io.decq.core.cli.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Reads any weight or array file the project understands into a name -> tensor map, choosing the
 * format by name: {@code .safetensors}, {@code model.safetensors.index.json} (sharded) or a Hugging Face
 * directory, {@code .npz}, {@code .npy}. Nested containers flatten to dotted names ({@code {"model": {"w": t}}} is {@code model.w}).
 */
public final class WeightFiles {
  private WeightFiles() {}

  /** Every tensor of {@code path}, in the file's order. */
  public static Map<String, HostTensor> read(Path path) {
    if (!Files.exists(path)) {
      throw new BadInputException(path + ": file not found");
    }
    String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
    if (Files.isDirectory(path) || name.endsWith(".safetensors") || name.endsWith(".index.json")) {
      return SafeTensors.readCheckpoint(path);
    }
    if (name.endsWith(".npz")) {
      return Npz.read(path);
    }
    if (name.endsWith(".npy")) {
      Map<String, HostTensor> one = new java.util.LinkedHashMap<>();
      one.put(name.substring(0, name.length() - 4), Npy.read(path));
      return one;
    }
    throw new BadInputException(path + ": unknown weight file type (expected .safetensors, "
        + "model.safetensors.index.json, a Hugging Face model directory, .npz or .npy)");
  }

  /**
   * The tensors under a dotted prefix with the prefix removed: {@code select(f, t, "model")} maps {@code
   * model.blocks.0.w} to {@code blocks.0.w}. Fails naming the available top-level keys when none match.
   */
  public static Map<String, HostTensor> select(Path file, Map<String, HostTensor> tensors, String key) {
    String prefix = key.endsWith(".") ? key : key + ".";
    Map<String, HostTensor> out = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
      if (e.getKey().startsWith(prefix)) {
        out.put(e.getKey().substring(prefix.length()), e.getValue());
      }
    }
    if (out.isEmpty()) {
      java.util.Set<String> tops = new java.util.TreeSet<>();
      for (String name : tensors.keySet()) {
        int dot = name.indexOf('.');
        tops.add(dot < 0 ? name : name.substring(0, dot));
      }
      throw new BadInputException(file + ": --key " + key + ": no tensors under this key; top-level keys: "
          + String.join(", ", tops));
    }
    return out;
  }
}
