package io.decq.core.io;

import io.decq.core.error.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads any weight or array file the project understands into a name -> tensor map, choosing the
 * format by name: {@code .safetensors}, {@code model.safetensors.index.json} (sharded) or a Hugging Face
 * directory, {@code torch.save} files ({@code .pt}, {@code .pth}, {@code .bin}, {@code .ckpt}, {@code
 * .pth.tar}), {@code .npz}, {@code .npy}. Nested containers flatten to dotted names ({@code {"model":
 * {"w": t}}} is {@code model.w}).
 */
public final class WeightFiles {
  private static final List<String> TORCH_SUFFIXES = List.of(".pt", ".pth", ".bin", ".ckpt", ".pth.tar");

  private WeightFiles() {}

  /**
   * Everything a file holds.
   *
   * @param tensors every tensor, in the file's order
   * @param nonTensors the non-tensor leaves of a torch checkpoint (see {@link TorchFiles.Contents}); empty
   *     for other formats
   * @param metadata the {@code __metadata__} strings of a safetensors file; empty for other formats
   */
  public record Contents(Map<String, HostTensor> tensors, Map<String, Object> nonTensors, Map<String, String> metadata) {
    /** Only the entries under a dotted prefix, the prefix removed (see {@link WeightFiles#select}). */
    public Contents select(Path file, String key) {
      Map<String, Object> others = new LinkedHashMap<>();
      String prefix = key.endsWith(".") ? key : key + ".";
      nonTensors.forEach((k, v) -> {
        if (k.startsWith(prefix)) {
          others.put(k.substring(prefix.length()), v);
        }
      });
      return new Contents(WeightFiles.select(file, tensors, key), others, metadata);
    }
  }

  /** What {@link #convertToSafetensors} wrote. */
  public record Conversion(Path out, int tensors, long values, List<String> skippedNonTensors) {}

  /** Every tensor of {@code path}, in the file's order. */
  public static Map<String, HostTensor> read(Path path) {
    return readContents(path).tensors();
  }

  /** Every tensor of {@code path} plus its non-tensor entries and metadata. */
  public static Contents readContents(Path path) {
    if (!Files.exists(path)) {
      throw new BadInputException(path + ": file not found");
    }
    String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
    if (Files.isDirectory(path) || name.endsWith(".index.json")) {
      return new Contents(SafeTensors.readCheckpoint(path), Map.of(), Map.of());
    }
    if (name.endsWith(".safetensors")) {
      SafeTensors.Contents c = SafeTensors.readWithMetadata(path);
      return new Contents(c.tensors(), Map.of(), c.metadata());
    }
    if (TORCH_SUFFIXES.stream().anyMatch(name::endsWith)) {
      TorchFiles.Contents c = TorchFiles.readContents(path);
      return new Contents(c.tensors(), c.nonTensors(), Map.of());
    }
    if (name.endsWith(".npz")) {
      return new Contents(Npz.read(path), Map.of(), Map.of());
    }
    if (name.endsWith(".npy")) {
      Map<String, HostTensor> one = new LinkedHashMap<>();
      one.put(path.getFileName().toString().substring(0, name.length() - 4), Npy.read(path));
      return new Contents(one, Map.of(), Map.of());
    }
    throw new BadInputException(path + ": unknown weight file type (expected .safetensors, "
        + "model.safetensors.index.json, a Hugging Face model directory, .pt/.pth/.bin/.ckpt, .npz or .npy)");
  }

  /**
   * The tensors under a dotted prefix with the prefix removed: {@code select(f, t, "model")} maps {@code
   * model.blocks.0.w} to {@code blocks.0.w}. Fails naming the available top-level keys when none match.
   */
  public static Map<String, HostTensor> select(Path file, Map<String, HostTensor> tensors, String key) {
    String prefix = key.endsWith(".") ? key : key + ".";
    Map<String, HostTensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
      if (e.getKey().startsWith(prefix)) {
        out.put(e.getKey().substring(prefix.length()), e.getValue());
      }
    }
    if (out.isEmpty()) {
      Set<String> tops = new TreeSet<>();
      for (String name : tensors.keySet()) {
        int dot = name.indexOf('.');
        tops.add(dot < 0 ? name : name.substring(0, dot));
      }
      throw new BadInputException(file + ": --key " + key + ": no tensors under this key; top-level keys: "
          + String.join(", ", tops));
    }
    return out;
  }

  /**
   * Writes the tensors of {@code in} (under {@code key} with that prefix removed, when not null) to the
   * safetensors file {@code out}, atomically, in sorted order, dtypes kept. The metadata keeps a
   * safetensors input's entries and records the source: {@code format=pt}, {@code source} (the input's
   * file name) and {@code source_key}. Non-tensor entries (a step count, optimizer settings) are left out
   * and listed in the result.
   */
  public static Conversion convertToSafetensors(Path in, Path out, String key) {
    if (!out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors")) {
      throw new BadInputException(out + ": the output must be a .safetensors file");
    }
    Contents c = readContents(in);
    if (key != null) {
      c = c.select(in, key);
    }
    if (c.tensors().isEmpty()) {
      throw new BadInputException(in + ": holds no tensors to convert");
    }
    Map<String, String> metadata = new LinkedHashMap<>(c.metadata());
    metadata.put("format", "pt");
    metadata.put("source", in.getFileName().toString());
    if (key != null) {
      metadata.put("source_key", key);
    }
    SafeTensors.write(out, c.tensors(), metadata);
    long values = c.tensors().values().stream().mapToLong(HostTensor::numel).sum();
    return new Conversion(out, c.tensors().size(), values, new ArrayList<>(c.nonTensors().keySet()));
  }
}
