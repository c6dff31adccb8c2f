package io.decq.train.loop;

import ai.djl.ndarray.NDArray;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The result of a step's forward pass: the scalar to minimise, its named parts for logging (e.g. {@code
 * l1}, {@code lpips}, {@code gan}), and tensors the step's extra optimizers may read (e.g. the
 * reconstructions a discriminator learns from).
 *
 * @param total the loss the gradient is taken of (a scalar)
 * @param terms named scalars, in logging order (may be empty); the loop logs each as a metrics column
 * @param outputs named tensors of the forward pass for {@link ExtraOptimizer} losses ({@link
 *     StepContext#outputs()}); they live until the step ends
 */
public record StepLoss(NDArray total, Map<String, NDArray> terms, Map<String, NDArray> outputs) {
  public StepLoss {
    if (total.getShape().size() != 1) {
      throw new IllegalArgumentException("the loss must be a scalar, got shape " + total.getShape());
    }
    terms = new LinkedHashMap<>(terms);
    outputs = new LinkedHashMap<>(outputs);
  }

  /** A loss and its terms, no outputs. */
  public StepLoss(NDArray total, Map<String, NDArray> terms) {
    this(total, terms, Map.of());
  }

  /** A loss with no separate terms. */
  public static StepLoss of(NDArray total) {
    return new StepLoss(total, Map.of());
  }
}
