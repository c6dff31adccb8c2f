package io.decq.train.loop;

import io.decq.core.run.RunDirectory;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What a call of {@link TrainLoop#run()} did.
 *
 * @param startStep the step it started from (0, or the resumed checkpoint's)
 * @param endStep the last step taken (train.max_steps)
 * @param firstLoss mean loss of the first logging window of this call (NaN when no step ran)
 * @param lastLoss mean loss of the last logging window (NaN when no step ran)
 * @param imagesPerSecond samples per second over the steps of this call, checkpoints and previews excluded
 * @param lastCheckpoint the checkpoint written at the end (null when no step ran)
 * @param runDir the run directory
 */
public record TrainResult(
    long startStep, long endStep, double firstLoss, double lastLoss, double imagesPerSecond, Path lastCheckpoint, Path runDir) {
  /** What a trainer command prints: the steps and losses, the run directory, the checkpoint, metrics and previews. */
  public void print(PrintWriter w) {
    if (endStep > startStep) {
      w.printf(Locale.ROOT, "trained steps %d..%d: loss %.4f -> %.4f (first and last logging window), %.1f images/s%n",
          startStep + 1, endStep, firstLoss, lastLoss, imagesPerSecond);
    } else {
      w.printf(Locale.ROOT, "nothing to train: the checkpoint is at step %d (train.max_steps)%n", startStep);
    }
    RunDirectory run = new RunDirectory(runDir);
    w.println("run directory: " + run.root());
    if (lastCheckpoint != null) {
      w.println("checkpoint: " + lastCheckpoint);
    }
    w.println("metrics: " + run.metricsFile() + "   previews: " + run.previewsDir());
  }
}
