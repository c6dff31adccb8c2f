package io.decq.core.dit;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.decq.core.config.DitPreset;
import io.decq.core.config.TransformerSize;
import io.decq.core.error.BadInputException;
import io.decq.core.latent.LatentLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Everything that fixes the shapes of a {@link DitDH}: the two transformer stacks, the joint latent it
 * denoises and the number of classes. Built from a named {@link DitPreset} or from RAE's {@code
 * DiTwDDTHead} constructor kwargs (the {@code stage_2.params} block of RAE's configs, as json).
 *
 * @param backbone the backbone (RAE's encoder blocks): width De, depth, heads, MLP width {@code int(De *
 *     mlp_ratio)}
 * @param head the wide DDT head (RAE's decoder blocks): width Dd, depth, heads, MLP width
 * @param layout queries Q, token grid g, channels C
 * @param numClasses K; the label embedding has K + 1 rows, row K the null (unconditional) class
 */
public record DitArchitecture(TransformerSize backbone, TransformerSize head, LatentLayout layout, int numClasses) {
  /** The keys RAE's constructor takes, each with the only value supported here (null: any value). */
  private static final Map<String, Object> RAE_FLAGS = Map.of(
      "patch_size", 1, "use_qknorm", false, "use_swiglu", true, "use_rope", true, "use_rmsnorm", true,
      "wo_shift", false, "use_pos_embed", true);

  private static final Set<String> RAE_SIZES = Set.of(
      "input_size", "in_channels", "hidden_size", "depth", "num_heads", "mlp_ratio", "class_dropout_prob", "num_classes");

  public DitArchitecture {
    if (numClasses < 1) {
      throw new IllegalArgumentException("num_classes must be >= 1, got " + numClasses);
    }
    for (TransformerSize s : new TransformerSize[] {backbone, head}) {
      if ((s.width() / s.heads()) % 4 != 0) {
        throw new IllegalArgumentException("2D RoPE needs a head width divisible by 4, got " + s.width() + "/" + s.heads());
      }
    }
    if (backbone.width() % 4 != 0) {
      throw new IllegalArgumentException("the sin-cos position table needs a backbone width divisible by 4, got "
          + backbone.width());
    }
  }

  /** A named preset over a latent layout. */
  public static DitArchitecture of(DitPreset preset, LatentLayout layout, int numClasses) {
    return new DitArchitecture(preset.backbone(), preset.head(), layout, numClasses);
  }

  /** SwiGLU hidden width of a stack: RAE's {@code int(2/3 * mlp_hidden_dim)}, in the same float64 arithmetic. */
  public static long swigluHidden(TransformerSize size) {
    return (long) (2.0 / 3.0 * size.mlp());
  }

  /**
   * The architecture RAE's {@code DiTwDDTHead(**kwargs)} builds from a json object of its constructor
   * kwargs ({@code input_size}, {@code in_channels}, {@code hidden_size: [De, Dd]}, {@code depth}, {@code
   * num_heads}, {@code mlp_ratio}, {@code num_classes}, ...), plus Q query tokens. Flags this model does not
   * implement ({@code use_qknorm: true}, {@code use_swiglu: false}, {@code patch_size} other than 1, ...),
   * {@code class_dropout_prob: 0} (RAE then has no null class) and unknown keys are refused.
   */
  public static DitArchitecture fromRaeConfig(Path json, int queries) {
    JsonObject o;
    try {
      o = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
    } catch (IOException | JsonParseException | IllegalStateException e) {
      throw new BadInputException(json + ": not a readable json object of DiTwDDTHead kwargs (" + e.getMessage() + ")");
    }
    for (String key : o.keySet()) {
      if (!RAE_FLAGS.containsKey(key) && !RAE_SIZES.contains(key)) {
        throw new BadInputException(json + ": unknown DiTwDDTHead key '" + key + "' (known: " + RAE_SIZES + " and " + RAE_FLAGS.keySet() + ")");
      }
    }
    for (Map.Entry<String, Object> flag : RAE_FLAGS.entrySet()) {
      JsonElement v = o.get(flag.getKey());
      if (v == null) {
        continue;
      }
      boolean ok = flag.getValue() instanceof Boolean b ? v.isJsonPrimitive() && v.getAsJsonPrimitive().isBoolean() && v.getAsBoolean() == b
          : v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber() && v.getAsDouble() == (Integer) flag.getValue();
      if (!ok) {
        throw new BadInputException(json + ": " + flag.getKey() + " = " + v + " is not supported (DiT-DH is implemented with "
            + flag.getKey() + " = " + flag.getValue() + " only)");
      }
    }
    if (o.has("class_dropout_prob") && number(json, o, "class_dropout_prob") <= 0) {
      throw new BadInputException(json + ": class_dropout_prob <= 0 builds a label table without a null class; not supported");
    }
    double ratio = o.has("mlp_ratio") ? number(json, o, "mlp_ratio") : 4.0;
    int grid = integer(json, o, "input_size");
    int channels = integer(json, o, "in_channels");
    int[] width = pair(json, o, "hidden_size");
    int[] depth = pair(json, o, "depth");
    int[] heads = pair(json, o, "num_heads");
    try {
      return new DitArchitecture(
          new TransformerSize(width[0], depth[0], heads[0], (int) (width[0] * ratio)),
          new TransformerSize(width[1], depth[1], heads[1], (int) (width[1] * ratio)),
          new LatentLayout(queries, grid, channels), integer(json, o, "num_classes"));
    } catch (IllegalArgumentException e) {
      throw new BadInputException(json + ": " + e.getMessage());
    }
  }

  private static double number(Path json, JsonObject o, String key) {
    JsonElement v = o.get(key);
    if (v == null || !v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
      throw new BadInputException(json + ": '" + key + "' must be a number, got " + v);
    }
    return v.getAsDouble();
  }

  private static int integer(Path json, JsonObject o, String key) {
    double d = number(json, o, key);
    if (d != Math.rint(d) || d < 1) {
      throw new BadInputException(json + ": '" + key + "' must be a positive integer, got " + o.get(key));
    }
    return (int) d;
  }

  /** A [backbone, head] pair; a single integer means the same value for both (as RAE's num_heads). */
  private static int[] pair(Path json, JsonObject o, String key) {
    JsonElement v = o.get(key);
    if (v != null && v.isJsonArray()) {
      JsonArray a = v.getAsJsonArray();
      if (a.size() == 2 && a.get(0).isJsonPrimitive() && a.get(1).isJsonPrimitive()) {
        return new int[] {a.get(0).getAsInt(), a.get(1).getAsInt()};
      }
    } else if (v != null && v.isJsonPrimitive() && key.equals("num_heads")) {
      return new int[] {v.getAsInt(), v.getAsInt()};
    }
    throw new BadInputException(json + ": '" + key + "' must be a list [backbone, head] of two integers, got " + v);
  }
}
