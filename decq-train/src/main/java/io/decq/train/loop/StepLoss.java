package io.decq.train.loop;

import ai.djl.ndarray.NDArray;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The result of a step's forward pass: the scalar to minimise and its named parts for logging (e.g.
 * {@code l1}, {@code lpips}, {@code gan}); the loop logs each term's value as a metrics column.
 *
 * @param total the loss the gradient is taken of (a scalar)
 * @param terms named parts of it, in logging order (may be empty)
 */
public record StepLoss(NDArray total, Map<String, NDArray> terms) {
  public StepLoss {
    if (total.getShape().size() != 1) {
      throw new IllegalArgumentException("the loss must be a scalar, got shape " + total.getShape());
    }
    terms = new LinkedHashMap<>(terms);
  }

  /** A loss with no separate terms. */
  public static StepLoss of(NDArray total) {
    return new StepLoss(total, Map.of());
  }
}
