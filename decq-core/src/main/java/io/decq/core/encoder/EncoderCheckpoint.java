package io.decq.core.encoder;

import io.decq.core.config.EncoderConfig.Family;
import io.decq.core.error.BadInputException;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Finds and reads an encoder checkpoint: where its config.json and weights are, which state-dict keys
 * belong to the vision model, and which family the weights are.
 *
 * <p>Key layout: a full {@code SiglipModel} checkpoint stores the vision tower under {@code
 * vision_model.} beside the text tower and {@code logit_scale}/{@code logit_bias}; a classification
 * checkpoint stores DINOv2 under {@code dinov2_with_registers.}. Such a prefix is stripped and every key
 * outside it ignored.
 */
final class EncoderCheckpoint {
  private static final List<String> MODEL_PREFIXES = List.of("vision_model.", "dinov2_with_registers.");

  private EncoderCheckpoint() {}

  /** Where the config and the weights of an {@code --encoder PATH} are. */
  record Location(Path config, Path weights) {}

  /**
   * {@code path} is a model folder (config.json + model.safetensors or model.safetensors.index.json), a
   * {@code .safetensors} file or a {@code .index.json} with a config.json in the same folder.
   */
  static Location locate(Path path) {
    if (Files.isDirectory(path)) {
      return new Location(path.resolve("config.json"), path);
    }
    String name = path.getFileName().toString();
    if (!name.endsWith(".safetensors") && !name.endsWith(".index.json")) {
      throw new BadInputException(path + ": expected a Hugging Face model folder, a .safetensors file or a"
          + " model.safetensors.index.json (with config.json beside it)");
    }
    if (!Files.isRegularFile(path)) {
      throw new BadInputException(path + ": file not found");
    }
    Path dir = path.toAbsolutePath().getParent();
    return new Location(dir.resolve("config.json"), path);
  }

  /** Reads the weights (memory-mapped, single or sharded) and keeps the vision model's keys, prefix stripped. */
  static Map<String, HostTensor> readVisionWeights(Path weights) {
    return visionKeys(SafeTensors.readCheckpoint(weights));
  }

  /** The vision model's tensors under their model-relative names. */
  static Map<String, HostTensor> visionKeys(Map<String, HostTensor> all) {
    for (String prefix : MODEL_PREFIXES) {
      if (all.keySet().stream().anyMatch(k -> k.startsWith(prefix))) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        all.forEach((k, v) -> {
          if (k.startsWith(prefix)) {
            out.put(k.substring(prefix.length()), v);
          }
        });
        return out;
      }
    }
    return all;
  }

  /** The family the (model-relative) keys belong to, or null when they look like neither. */
  static Family detect(Map<String, HostTensor> weights) {
    boolean dinov2 = weights.containsKey("embeddings.register_tokens")
        || weights.containsKey("embeddings.patch_embeddings.projection.weight")
        || weights.keySet().stream().anyMatch(k -> k.startsWith("encoder.layer."));
    boolean siglip = weights.containsKey("embeddings.patch_embedding.weight")
        || weights.keySet().stream().anyMatch(k -> k.startsWith("encoder.layers."));
    if (dinov2 == siglip) {
      return null;
    }
    return dinov2 ? Family.DINOV2_REG : Family.SIGLIP2;
  }

  /** Refuses weights of another family (or of no known family) with one line instead of a list of missing keys. */
  static void checkFamily(Map<String, HostTensor> weights, Family expected, String source) {
    Family found = detect(weights);
    if (found == expected) {
      return;
    }
    if (found == null) {
      String sample = weights.keySet().stream().limit(3).collect(Collectors.joining(", "));
      throw new BadInputException(source + ": the weights are neither a DINOv2-with-registers nor a SigLIP vision"
          + " model (first keys: " + (sample.isEmpty() ? "none" : sample) + ")");
    }
    throw new BadInputException(source + ": these weights are a " + describe(found) + ", not a " + expected.key()
        + " encoder; use the weights and the config.json of one " + expected.key() + " model");
  }

  static String describe(Family family) {
    return switch (family) {
      case DINOV2_REG -> "DINOv2-with-registers model (keys encoder.layer.N.*)";
      case SIGLIP2 -> "SigLIP vision tower (keys encoder.layers.N.*)";
      case AUTO -> "model of any family";
    };
  }
}
