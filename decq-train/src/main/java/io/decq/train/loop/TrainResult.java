package io.decq.train.loop;

import java.nio.file.Path;

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
    long startStep, long endStep, double firstLoss, double lastLoss, double imagesPerSecond, Path lastCheckpoint, Path runDir) {}
