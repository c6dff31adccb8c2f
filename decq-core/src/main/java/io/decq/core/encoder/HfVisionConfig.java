package io.decq.core.encoder;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.decq.core.config.EncoderConfig.Family;
import io.decq.core.error.BadInputException;
import io.decq.core.nn.Activations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The architecture of a vision encoder as its Hugging Face {@code config.json} describes it. Absent keys
 * take the defaults of the HF config classes ({@code Dinov2WithRegistersConfig}, {@code
 * SiglipVisionConfig}, transformers v4.56). A full {@code SiglipModel} config ({@code model_type}
 * "siglip") is read through its {@code vision_config}.
 *
 * @param family the architecture
 * @param hiddenSize token width C
 * @param layers number of transformer blocks
 * @param heads attention heads
 * @param mlpHidden hidden width of the block MLP
 * @param patchSize patch side in pixels
 * @param imageSize the resolution the position embeddings were stored for
 * @param registers register tokens (DINOv2-reg: 4; SigLIP: 0)
 * @param layerNormEps epsilon of every LayerNorm
 * @param act the MLP activation
 * @param qkvBias whether the q/k/v projections have biases
 * @param layerScale initial layer-scale value (used only to initialise random weights)
 */
public record HfVisionConfig(
    Family family,
    int hiddenSize,
    int layers,
    int heads,
    int mlpHidden,
    int patchSize,
    int imageSize,
    int registers,
    double layerNormEps,
    Activations.Kind act,
    boolean qkvBias,
    double layerScale) {

  public HfVisionConfig {
    if (family == Family.AUTO) {
      throw new IllegalArgumentException("a model config has a concrete family");
    }
    if (hiddenSize < 1 || layers < 1 || heads < 1 || hiddenSize % heads != 0 || mlpHidden < 1 || patchSize < 1
        || imageSize < patchSize || registers < 0 || !(layerNormEps > 0)) {
      throw new IllegalArgumentException("invalid vision config: width " + hiddenSize + ", heads " + heads + ", layers " + layers
          + ", patch " + patchSize + ", image " + imageSize);
    }
  }

  /** Position-embedding grid side: {@code image_size / patch_size}. */
  public int storedGrid() {
    return imageSize / patchSize;
  }

  /** Tokens before the patch tokens: DINOv2 has CLS + registers, SigLIP none. */
  public int prefixTokens() {
    return family == Family.DINOV2_REG ? 1 + registers : 0;
  }

  /** DINOv2-reg-B ({@code facebook/dinov2-with-registers-base}): 768 wide, 12 blocks, 12 heads, patch 14, 518-px grid. */
  public static HfVisionConfig dinov2RegBase() {
    return new HfVisionConfig(Family.DINOV2_REG, 768, 12, 12, 3072, 14, 518, 4, 1e-6, Activations.Kind.GELU, true, 1.0);
  }

  /** SigLIP2-B/16 at 256 ({@code google/siglip2-base-patch16-256} vision tower). */
  public static HfVisionConfig siglip2Base() {
    return new HfVisionConfig(Family.SIGLIP2, 768, 12, 12, 3072, 16, 256, 0, 1e-6, Activations.Kind.GELU_TANH, true, 1.0);
  }

  /** The preset base-size model of a family. */
  public static HfVisionConfig base(Family family) {
    return switch (family) {
      case DINOV2_REG -> dinov2RegBase();
      case SIGLIP2 -> siglip2Base();
      case AUTO -> throw new IllegalArgumentException("no preset for family auto");
    };
  }

  /** Reads a {@code config.json}. */
  public static HfVisionConfig read(Path configJson) {
    JsonObject root;
    try {
      JsonElement el = JsonParser.parseString(Files.readString(configJson));
      if (!el.isJsonObject()) {
        throw new BadInputException(configJson + ": not a JSON object (expected a Hugging Face config.json)");
      }
      root = el.getAsJsonObject();
    } catch (NoSuchFileException e) {
      throw new BadInputException(configJson + ": file not found (the encoder needs its Hugging Face config.json)");
    } catch (IOException e) {
      throw new BadInputException(configJson + ": cannot read: " + e.getMessage());
    } catch (JsonParseException e) {
      throw new BadInputException(configJson + ": invalid JSON (" + e.getMessage() + ")");
    }
    return parse(root, configJson.toString());
  }

  /** Parses a config.json object; {@code source} names it in messages. */
  public static HfVisionConfig parse(JsonObject root, String source) {
    String modelType = root.has("model_type") ? root.get("model_type").getAsString() : "";
    switch (modelType) {
      case "dinov2_with_registers":
        return dinov2(root, source);
      case "siglip":
        if (!root.has("vision_config") || !root.get("vision_config").isJsonObject()) {
          return siglip(new JsonObject(), source);
        }
        return siglip(root.getAsJsonObject("vision_config"), source + " (vision_config)");
      case "siglip_vision_model":
        return siglip(root, source);
      case "dinov2":
        throw new BadInputException(source + ": model_type 'dinov2' is DINOv2 without registers; this encoder needs"
            + " 'dinov2_with_registers' (e.g. facebook/dinov2-with-registers-base)");
      case "siglip2":
        throw new BadInputException(source + ": model_type 'siglip2' is the NaFlex (variable-resolution) SigLIP2;"
            + " use a fixed-resolution checkpoint with model_type 'siglip' (e.g. google/siglip2-base-patch16-256)");
      default:
        throw new BadInputException(source + ": model_type '" + modelType + "' is not a supported encoder"
            + " (expected dinov2_with_registers, siglip or siglip_vision_model)");
    }
  }

  private static HfVisionConfig dinov2(JsonObject o, String source) {
    if (bool(o, "use_swiglu_ffn", false, source)) {
      throw new BadInputException(source + ": use_swiglu_ffn: true (DINOv2-g) is not supported; expected false");
    }
    checkChannels(o, source);
    int hidden = integer(o, "hidden_size", 768, source);
    double ratio = number(o, "mlp_ratio", 4.0, source);
    return build(source, Family.DINOV2_REG, hidden, integer(o, "num_hidden_layers", 12, source),
        integer(o, "num_attention_heads", 12, source), (int) (hidden * ratio), integer(o, "patch_size", 16, source),
        integer(o, "image_size", 224, source), integer(o, "num_register_tokens", 4, source),
        number(o, "layer_norm_eps", 1e-6, source), act(o, "gelu", source), bool(o, "qkv_bias", true, source),
        number(o, "layerscale_value", 1.0, source));
  }

  private static HfVisionConfig siglip(JsonObject o, String source) {
    checkChannels(o, source);
    return build(source, Family.SIGLIP2, integer(o, "hidden_size", 768, source),
        integer(o, "num_hidden_layers", 12, source), integer(o, "num_attention_heads", 12, source),
        integer(o, "intermediate_size", 3072, source), integer(o, "patch_size", 16, source),
        integer(o, "image_size", 224, source), 0, number(o, "layer_norm_eps", 1e-6, source),
        act(o, "gelu_pytorch_tanh", source), true, 1.0);
  }

  private static HfVisionConfig build(String source, Family family, int hidden, int layers, int heads, int mlp, int patch,
      int image, int registers, double eps, Activations.Kind act, boolean qkvBias, double layerScale) {
    try {
      return new HfVisionConfig(family, hidden, layers, heads, mlp, patch, image, registers, eps, act, qkvBias, layerScale);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(source + ": inconsistent sizes (hidden_size " + hidden + ", heads " + heads
          + ", layers " + layers + ", patch_size " + patch + ", image_size " + image + ")");
    }
  }

  private static void checkChannels(JsonObject o, String source) {
    int channels = integer(o, "num_channels", 3, source);
    if (channels != 3) {
      throw new BadInputException(source + ": num_channels " + channels + ": expected 3 (RGB)");
    }
  }

  private static Activations.Kind act(JsonObject o, String fallback, String source) {
    String name = o.has("hidden_act") ? o.get("hidden_act").getAsString() : fallback;
    try {
      return Activations.Kind.fromHf(name);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(source + ": hidden_act: " + e.getMessage());
    }
  }

  private static int integer(JsonObject o, String key, int fallback, String source) {
    if (!o.has(key) || o.get(key).isJsonNull()) {
      return fallback;
    }
    try {
      double d = o.get(key).getAsDouble();
      if (d != Math.rint(d) || d < 0 || d > Integer.MAX_VALUE) {
        throw new NumberFormatException();
      }
      return (int) d;
    } catch (RuntimeException e) {
      throw new BadInputException(source + ": " + key + ": expected a non-negative integer, got " + o.get(key));
    }
  }

  private static double number(JsonObject o, String key, double fallback, String source) {
    if (!o.has(key) || o.get(key).isJsonNull()) {
      return fallback;
    }
    try {
      return o.get(key).getAsDouble();
    } catch (RuntimeException e) {
      throw new BadInputException(source + ": " + key + ": expected a number, got " + o.get(key));
    }
  }

  private static boolean bool(JsonObject o, String key, boolean fallback, String source) {
    if (!o.has(key) || o.get(key).isJsonNull()) {
      return fallback;
    }
    if (!o.get(key).isJsonPrimitive() || !o.get(key).getAsJsonPrimitive().isBoolean()) {
      throw new BadInputException(source + ": " + key + ": expected true or false, got " + o.get(key));
    }
    return o.get(key).getAsBoolean();
  }
}
