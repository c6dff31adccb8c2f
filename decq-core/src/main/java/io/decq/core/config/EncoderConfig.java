package io.decq.core.config;

import io.decq.core.error.BadInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code encoder} section: the frozen vision encoder whose patch tokens are the latent.
 *
 * @param path Hugging Face model folder (config.json + model.safetensors or a sharded index), or a
 *     {@code .safetensors} file with a config.json beside it; null until a run names one
 * @param family the architecture; {@code auto} takes it from config.json's {@code model_type}, anything
 *     else must agree with it
 * @param imageSize the side of the square images the encoder accepts (pixels); other sizes are refused
 * @param inputSize the side the images are resized to before the ViT (RAE's {@code encoder_input_size});
 *     0 = 16 patches per side, i.e. 224 for DINOv2 (patch 14) and 256 for SigLIP2 (patch 16), the RAE
 *     setting that gives 256 patch tokens
 */
public record EncoderConfig(String path, Family family, int imageSize, int inputSize) {

  /** The supported encoder architectures. */
  public enum Family {
    /** Take the family from the checkpoint's config.json. */
    AUTO,
    /** Hugging Face {@code dinov2_with_registers} (DINOv2 with 4 registers). */
    DINOV2_REG,
    /** The Hugging Face {@code siglip} vision tower (SigLIP2 fixed-resolution checkpoints). */
    SIGLIP2;

    /** The spelling used in YAML and on the command line ({@code dinov2-reg}). */
    public String key() {
      return ConfigBinder.enumKey(this);
    }

    /** Parses {@code auto}, {@code dinov2-reg} or {@code siglip2}; {@code what} names the option for the message. */
    public static Family parse(String value, String what) {
      List<String> keys = new ArrayList<>();
      for (Family f : values()) {
        keys.add(f.key());
        if (f.key().equals(value.trim().toLowerCase(Locale.ROOT).replace('_', '-'))) {
          return f;
        }
      }
      throw new BadInputException(what + " " + value + ": expected one of " + String.join(", ", keys));
    }
  }

  public EncoderConfig {
    Check.that(family != null, "family", "must be one of auto, dinov2-reg, siglip2");
    Check.inRange("image_size", imageSize, 1, 4096);
    Check.inRange("input_size", inputSize, 0, 4096);
  }

  public static EncoderConfig defaults() {
    return new EncoderConfig(null, Family.AUTO, 256, 0);
  }

  /** This config with the path and, when not null, the family replaced (command-line overrides). */
  public EncoderConfig with(String newPath, Family newFamily) {
    return new EncoderConfig(newPath == null ? path : newPath, newFamily == null ? family : newFamily, imageSize, inputSize);
  }
}
