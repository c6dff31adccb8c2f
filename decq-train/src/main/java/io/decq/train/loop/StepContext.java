package io.decq.train.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;
import java.util.Random;

/**
 * What a training step sees besides its batch.
 *
 * @param manager owns the step's arrays; closed when the step ends (with an NDScope around it, so arrays
 *     created elsewhere during the step are freed too: anything that must outlive a step must be made
 *     before the loop starts)
 * @param step the optimizer step being computed, from 1
 * @param maxSteps train.max_steps
 * @param epoch fractional epoch at the start of the batch (samples seen / samples per epoch)
 * @param random a Java generator seeded from (seed, step); libtorch's generator is reseeded from (seed,
 *     step) too, so {@code manager.randomNormal(...)} draws are reproducible and survive resume
 * @param outputs for an extra optimizer's loss: the main step's {@link StepLoss#outputs()} (empty for the
 *     main step itself)
 */
public record StepContext(NDManager manager, long step, int maxSteps, double epoch, Random random,
    Map<String, NDArray> outputs) {
  public StepContext {
    outputs = Map.copyOf(outputs);
  }

  /** The main step's context (no outputs yet). */
  public StepContext(NDManager manager, long step, int maxSteps, double epoch, Random random) {
    this(manager, step, maxSteps, epoch, random, Map.of());
  }

  /** This context with the main step's outputs, for the extra optimizers. */
  public StepContext withOutputs(Map<String, NDArray> mainOutputs) {
    return new StepContext(manager, step, maxSteps, epoch, random, mainOutputs);
  }
}
