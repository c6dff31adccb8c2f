package io.decq.train.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import io.decq.core.config.TrainConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A second set of parameters trained by its own AdamW after the main optimizer's step, with its own
 * loss (e.g. a GAN discriminator): {@link TrainLoop} runs {@code loss} in its own gradient collector,
 * clips and steps with the rate {@code settings} schedule, and saves and restores its weights, its state
 * tensors and optimizer state in every checkpoint ({@code NAME.safetensors}, {@code
 * optimizer-NAME.safetensors}).
 *
 * <p>The part trains only at the steps {@code active} accepts (once true it must stay true: e.g. "from
 * epoch 6 on"). Before that the loop does nothing with it: no forward, no optimizer step, no state change,
 * no metrics column. Its schedule counts its own steps: {@code settings}' rate at its k-th update is the
 * schedule's value at step k.
 *
 * @param name the checkpoint name and metrics prefix (lowercase letters, digits, underscores; e.g. {@code d})
 * @param params its trainable parameters by name
 * @param stateTensors its other state (e.g. spectral-norm vectors its forward moves), saved beside the
 *     weights and restored on resume
 * @param settings its optimizer and schedule: lr, betas, eps, weight decay and no-decay groups, warm-up,
 *     schedule, final lr, grad clip, {@code max_steps} (the length of its schedule)
 * @param loss its loss, computed after the main step (the main model's parameters already updated); it may
 *     read the main step's {@link StepLoss#outputs()} through {@link StepContext#outputs()}
 * @param active whether it trains at a step (the step's context: step number, fractional epoch)
 * @param <B> the batch type
 */
public record ExtraOptimizer<B>(String name, Map<String, Parameter> params, Map<String, NDArray> stateTensors,
    TrainConfig settings, StepFunction<B> loss, Predicate<StepContext> active) {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

  public ExtraOptimizer {
    if (name == null || !NAME.matcher(name).matches() || name.equals("model") || name.equals("ema")
        || name.equals("optimizer")) {
      throw new IllegalArgumentException("optimizer name must match [a-z][a-z0-9_]* and not be model, ema or optimizer: "
          + name);
    }
    params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    stateTensors = Collections.unmodifiableMap(new LinkedHashMap<>(stateTensors));
    for (String k : stateTensors.keySet()) {
      if (params.containsKey(k)) {
        throw new IllegalArgumentException("state tensor " + k + " of " + name + " has the name of a parameter");
      }
    }
  }

  /** A part with no state tensors that trains at every step. */
  public ExtraOptimizer(String name, Map<String, Parameter> params, TrainConfig settings, StepFunction<B> loss) {
    this(name, params, Map.of(), settings, loss, ctx -> true);
  }
}
