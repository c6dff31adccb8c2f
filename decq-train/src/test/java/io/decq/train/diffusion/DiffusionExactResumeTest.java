package io.decq.train.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import io.decq.core.config.DecqConfig;
import io.decq.core.dit.TrainedDenoiser;
import io.decq.core.nn.NativeMemory;
import io.decq.core.run.Checkpoint;
import io.decq.core.run.RunDirectory;
import io.decq.train.ExactResume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stage-2 trainer resumes exactly (the same check as stage 1's, {@link ExactResume}): a run killed after
 * step 4 (last checkpoint at step 3) and resumed ends bitwise equal to an uninterrupted {@value #MAX}-step run
 * on the CPU: DiT weights, EMA, optimizer state, data position, every logged loss term, the latent statistics
 * file and the final preview grid. The runs draw from every random stream of stage 2: shuffled flipped data,
 * times, noise and label dropout (0.5 here). Native arrays stay flat over the uninterrupted run.
 */
class DiffusionExactResumeTest {
  static final int MAX = 6;
  @TempDir static Path tmp;
  static Path straight;
  static Path interrupted;
  static final List<Integer> liveArrays = new ArrayList<>();

  @BeforeAll
  static void runs() {
    DecqConfig config = TinyDiffusion.config(TinyDiffusion.stage1(8), MAX, "train.checkpoint_every=3", "train.keep_last=0",
        "train.preview_every=" + MAX, "flow.steps=4", "dit.class_dropout=0.5", "train.weight_decay=0.01");
    straight = tmp.resolve("straight");
    interrupted = tmp.resolve("interrupted");
    ExactResume.runBoth((out, resume, listener) -> {
      try (DiffusionTrainer t = DiffusionTrainer.prepare(config, out, resume, Device.cpu(), listener)) {
        return t.train().train();
      }
    }, straight, interrupted, 4, 3, r -> liveArrays.add(NativeMemory.liveArrays()));
  }

  @Test
  void resumedRunEqualsTheUninterruptedOneBitwise() {
    ExactResume.assertSameCheckpoint(straight, interrupted, MAX, List.of(Checkpoint.MODEL, Checkpoint.EMA, Checkpoint.OPTIMIZER));
    ExactResume.assertSameTensors(straight.resolve(TrainedDenoiser.LATENT_STATS), interrupted.resolve(TrainedDenoiser.LATENT_STATS));
    ExactResume.assertSameMetrics(straight, interrupted, MAX,
        List.of("step", "epoch", "loss", "mse_patches", "mse_queries", "lr", "grad_norm"));
  }

  @Test
  void nativeArraysDoNotGrowWithTheSteps() {
    ExactResume.assertFlat(liveArrays, MAX);
  }

  @Test
  void sameFinalPreview() throws IOException {
    Path png = new RunDirectory(straight).previewFile(MAX);
    assertEquals(png.getFileName(), new RunDirectory(interrupted).previewFile(MAX).getFileName());
    assertArrayEquals(Files.readAllBytes(png), Files.readAllBytes(new RunDirectory(interrupted).previewFile(MAX)));
  }
}
