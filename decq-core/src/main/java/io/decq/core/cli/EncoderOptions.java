package io.decq.core.cli;

import io.decq.core.config.EncoderConfig;
import io.decq.core.config.EncoderConfig.Family;
import io.decq.core.error.BadInputException;
import picocli.CommandLine.Option;

/** {@code --encoder PATH} and {@code --family F} (a picocli mixin); they override {@code encoder.path} / {@code encoder.family}. */
public class EncoderOptions {
  @Option(names = "--encoder", paramLabel = "PATH",
      description = "Hugging Face model folder (config.json + model.safetensors or a sharded index), or a .safetensors"
          + " file next to its config.json (overrides encoder.path).")
  public String encoder;

  @Option(names = "--family", paramLabel = "auto|dinov2-reg|siglip2",
      description = "Encoder architecture; auto (default) reads config.json's model_type (overrides encoder.family).")
  public String family;

  /**
   * The {@code encoder} section of {@code config} with these options applied.
   *
   * @throws BadInputException when neither {@code --encoder} nor {@code encoder.path} names an encoder
   */
  public EncoderConfig resolve(ConfigOptions config) {
    EncoderConfig base = config.load().encoder();
    EncoderConfig resolved = base.with(encoder, family == null ? null : Family.parse(family, "--family"));
    if (resolved.path() == null || resolved.path().isBlank()) {
      throw new BadInputException("--encoder: no encoder given (pass --encoder PATH: a Hugging Face model folder or a"
          + " .safetensors file next to its config.json; or set encoder.path)");
    }
    return resolved;
  }
}
