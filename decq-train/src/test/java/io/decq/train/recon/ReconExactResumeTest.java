package io.decq.train.recon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.google.gson.JsonObject;
import io.decq.core.config.DecqConfig;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import io.decq.core.nn.NativeMemory;
import io.decq.core.run.Checkpoint;
import io.decq.core.run.RunDirectory;
import io.decq.train.loop.TrainResult;
import io.decq.train.run.MetricsLog;
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

  private static final class Crash extends RuntimeException {
    private static final long serialVersionUID = 1L;
  }

  @BeforeAll
  static void runs() {
    Path images = TinyRecon.subset(tmp.resolve("images"), 3, 2);
    config = TinyRecon.config("data.path=" + images, "train.max_steps=" + MAX, "train.batch_size=2",
        "train.checkpoint_every=3", "train.log_every=1", "train.preview_every=" + MAX, "train.keep_last=0",
        "train.grad_clip=0.05", "train.weight_decay=0.01", "decoder.query_dropout=0.5", "data.val_count=2");
    straight = tmp.resolve("straight");
    interrupted = tmp.resolve("interrupted");
    try (ReconTrainer t = ReconTrainer.prepare(config, straight, null, Device.cpu(), r -> liveArrays.add(NativeMemory.liveArrays()))) {
      encoderBefore = t.encoder().tower().stateDict();
      TrainResult r = t.train().train();
      assertEquals(MAX, r.endStep());
      encoderAfter = t.encoder().tower().stateDict();
    }
    try (ReconTrainer t = ReconTrainer.prepare(config, interrupted, null, Device.cpu(), r -> {
      if (r.step() == 4) {
        throw new Crash();
      }
    })) {
      assertThrows(Crash.class, t::train);
    }
    assertEquals(List.of(new RunDirectory(interrupted).checkpointDir(3)), new RunDirectory(interrupted).checkpoints());
    try (ReconTrainer t = ReconTrainer.prepare(config, interrupted, interrupted, Device.cpu())) {
      ReconTrainer.Result r = t.train();
      assertEquals(3, r.train().startStep());
      assertTrue(r.latentStatistics().startsWith("checkpoint "), r.latentStatistics());
    }
  }

  @Test
  void resumedRunEqualsTheUninterruptedOneBitwise() {
    Path a = new RunDirectory(straight).checkpointDir(MAX);
    Path b = new RunDirectory(interrupted).checkpointDir(MAX);
    for (String file : List.of(Checkpoint.MODEL, Checkpoint.EMA, Checkpoint.OPTIMIZER)) {
      Map<String, HostTensor> ta = SafeTensors.read(a.resolve(file));
      Map<String, HostTensor> tb = SafeTensors.read(b.resolve(file));
      assertEquals(ta.keySet(), tb.keySet(), file);
      for (String k : ta.keySet()) {
        assertTrue(ta.get(k).equals(tb.get(k)), file + " " + k + " differs bitwise");
      }
    }
    // The running query statistics moved during training (so the comparison above covers their restore).
    float[] queryMean = SafeTensors.read(a.resolve(Checkpoint.MODEL)).get("latent_norm.query_mean").toFloats();
    assertTrue(maxAbs(queryMean) > 0, "the query statistics never moved");
    assertEquals(Checkpoint.resolve(straight).state().position(), Checkpoint.resolve(interrupted).state().position());

    List<JsonObject> ma = MetricsLog.read(straight.resolve("metrics.jsonl"));
    List<JsonObject> mb = MetricsLog.read(interrupted.resolve("metrics.jsonl"));
    assertEquals(MAX, ma.size());
    assertEquals(MAX, mb.size());
    for (int i = 0; i < MAX; i++) {
      for (String k : List.of("step", "loss", "l1", "lr", "grad_norm", "epoch")) {
        assertEquals(ma.get(i).get(k), mb.get(i).get(k), "metrics line " + i + " " + k);
      }
    }
  }

  @Test
  void nativeArraysDoNotGrowWithTheSteps() {
    assertEquals(MAX, liveArrays.size());
    // Step 1 creates the optimizer's moment arrays; from then on every step frees what it made.
    assertEquals(List.of(liveArrays.get(1)), liveArrays.subList(1, MAX).stream().distinct().toList(), "live arrays " + liveArrays);
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
