package io.decq.train.loop;

import ai.djl.nn.Parameter;
import io.decq.core.config.TrainConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A second set of parameters trained by its own AdamW after the main optimizer's step, with its own
 * loss (e.g. a GAN discriminator): {@link TrainLoop} runs {@code loss} in its own gradient collector,
 * clips and steps with the rate {@code settings} schedule, and saves and restores its weights and
 * optimizer state in every checkpoint ({@code NAME.safetensors}, {@code optimizer-NAME.safetensors}).
 *
 * @param name the checkpoint name (lowercase letters, digits, underscores; e.g. {@code discriminator})
 * @param params its trainable parameters by name
 * @param settings its optimizer and schedule: lr, betas, eps, weight decay and no-decay groups, warm-up,
 *     schedule, final lr, grad clip ({@code max_steps} is the main run's)
 * @param loss its loss, computed after the main step (the main model's parameters already updated)
 * @param <B> the batch type
 */
public record ExtraOptimizer<B>(String name, Map<String, Parameter> params, TrainConfig settings, StepFunction<B> loss) {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

  public ExtraOptimizer {
    if (name == null || !NAME.matcher(name).matches() || name.equals("model") || name.equals("ema")
        || name.equals("optimizer")) {
      throw new IllegalArgumentException("optimizer name must match [a-z][a-z0-9_]* and not be model, ema or optimizer: "
          + name);
    }
    params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
  }
}
