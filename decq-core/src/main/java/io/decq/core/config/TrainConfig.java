package io.decq.core.config;

/**
 * The {@code train} section: keys every trainer shares.
 *
 * @param maxSteps optimizer steps to run in total
 * @param checkpointEvery write a checkpoint every this many steps (and at the end)
 * @param logEvery append a line to metrics.jsonl and the console every this many steps
 * @param batchSize images per optimizer step
 * @param seed seed of every random stream of the run (init, data order, noise)
 */
public record TrainConfig(int maxSteps, int checkpointEvery, int logEvery, int batchSize, long seed) {
  public TrainConfig {
    Check.atLeast("max_steps", maxSteps, 1);
    Check.atLeast("checkpoint_every", checkpointEvery, 1);
    Check.atLeast("log_every", logEvery, 1);
    Check.atLeast("batch_size", batchSize, 1);
  }

  public static TrainConfig defaults() {
    return new TrainConfig(1000, 500, 10, 8, 0);
  }
}
