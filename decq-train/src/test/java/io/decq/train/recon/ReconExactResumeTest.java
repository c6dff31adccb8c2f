package io.decq.train.recon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.decq.core.config.DecqConfig;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import io.decq.core.nn.NativeMemory;
import io.decq.core.run.Checkpoint;
import io.decq.core.run.RunDirectory;
import io.decq.train.ExactResume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real stage-1 trainer resumes exactly: a run stopped after step 4 (its last checkpoint at step 3)
 * and resumed ends bitwise equal to an uninterrupted 6-step run on the CPU: trainable weights, EMA,
 * optimizer state, the running query statistics, every logged loss and the final preview. The runs use
 * every random stream of stage 1: shuffled data with flips, noise augmentation, query dropout. The
 * uninterrupted run also checks that training leaves the frozen encoder's weights bit-identical.
 */
class ReconExactResumeTest {
  static final int MAX = 6;
  @TempDir static Path tmp;
  static DecqConfig config;
  static Path straight;
  static Path interrupted;
  static Map<String, HostTensor> encoderBefore;
  static Map<String, HostTensor> encoderAfter;
  /** Native arrays alive after each step of the uninterrupted run. */
  static final List<Integer> liveArrays = new ArrayList<>();

  @BeforeAll
  static void runs() {
    Path images = TinyRecon.subset(tmp.resolve("images"), 3, 2);
    config = TinyRecon.config("data.path=" + images, "train.max_steps=" + MAX, "train.batch_size=2",
        "train.checkpoint_every=3", "train.log_every=1", "train.preview_every=" + MAX, "train.keep_last=0",
        "train.grad_clip=0.05", "train.weight_decay=0.01", "decoder.query_dropout=0.5", "data.val_count=2");
    straight = tmp.resolve("straight");
    interrupted = tmp.resolve("interrupted");
    ExactResume.runBoth((out, resume, listener) -> {
      try (ReconTrainer t = ReconTrainer.prepare(config, out, resume, Device.cpu(), listener)) {
        boolean measured = resume == null && out.equals(straight);
        if (measured) {
          encoderBefore = t.encoder().tower().stateDict();
        }
        ReconTrainer.Result r = t.train();
        if (measured) {
          encoderAfter = t.encoder().tower().stateDict();
        }
        if (resume != null) {
          assertTrue(r.latentStatistics().startsWith("checkpoint "), r.latentStatistics());
        }
        return r.train();
      }
    }, straight, interrupted, 4, 3, r -> liveArrays.add(NativeMemory.liveArrays()));
  }

  @Test
  void resumedRunEqualsTheUninterruptedOneBitwise() {
    ExactResume.assertSameCheckpoint(straight, interrupted, MAX, List.of(Checkpoint.MODEL, Checkpoint.EMA, Checkpoint.OPTIMIZER));
    Path a = new RunDirectory(straight).checkpointDir(MAX);
    // The running query statistics moved during training (so the comparison above covers their restore).
    float[] queryMean = SafeTensors.read(a.resolve(Checkpoint.MODEL)).get("latent_norm.query_mean").toFloats();
    assertTrue(maxAbs(queryMean) > 0, "the query statistics never moved");
    ExactResume.assertSameMetrics(straight, interrupted, MAX, List.of("step", "loss", "l1", "lr", "grad_norm", "epoch"));
  }

  @Test
  void nativeArraysDoNotGrowWithTheSteps() {
    ExactResume.assertFlat(liveArrays, MAX);
  }

  @Test
  void sameFinalPreview() throws IOException {
    Path name = Path.of("previews", RunDirectory.stepName(MAX) + ".png");
    assertArrayEquals(Files.readAllBytes(straight.resolve(name)), Files.readAllBytes(interrupted.resolve(name)));
  }

  @Test
  void encoderWeightsAreBitIdenticalAfterTraining() {
    assertFalse(encoderBefore.isEmpty());
    assertEquals(encoderBefore.keySet(), encoderAfter.keySet());
    Map<String, HostTensor> file = SafeTensors.read(TinyRecon.ENCODER.resolve("model.safetensors"));
    for (String k : encoderBefore.keySet()) {
      assertTrue(encoderBefore.get(k).equals(encoderAfter.get(k)), k + " changed during training");
      assertTrue(file.get(k).equals(encoderAfter.get(k)), k + " differs from the weights file");
    }
    // Training changed the autoencoder (the test above would pass trivially on a run that did nothing).
    Map<String, HostTensor> end = SafeTensors.read(new RunDirectory(straight).checkpointDir(MAX).resolve(Checkpoint.MODEL));
    Map<String, HostTensor> mid = SafeTensors.read(new RunDirectory(straight).checkpointDir(3).resolve(Checkpoint.MODEL));
    assertFalse(end.get("queries.query_tokens").equals(mid.get("queries.query_tokens")));
  }

  private static double maxAbs(float[] v) {
    double m = 0;
    for (float x : v) {
      m = Math.max(m, Math.abs(x));
    }
    return m;
  }
}
