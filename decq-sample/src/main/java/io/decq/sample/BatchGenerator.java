package io.decq.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** Draws the images of one batch of a {@link SamplePlan}: the model side of sampling. */
@FunctionalInterface
public interface BatchGenerator {
  /**
   * The images of samples {@code indices} with class {@code labels}: uint8 or floats in [0, 1],
   * {@code (B, 3, H, W)}. Sample i's result must depend only on (seed, i, label), never on its batch.
   *
   * @param manager owns the batch's arrays (closed after the batch is written)
   */
  NDArray generate(NDManager manager, long[] indices, int[] labels);
}
