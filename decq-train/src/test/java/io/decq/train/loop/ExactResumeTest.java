package io.decq.train.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.decq.core.config.DecqConfig;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import io.decq.core.run.Checkpoint;
import io.decq.core.run.RunDirectory;
import io.decq.train.data.HostBatch;
import io.decq.train.data.ImageLoader;
import io.decq.train.data.TestImages;
import io.decq.train.run.MetricsLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run stopped at step 7 (after its checkpoint at step 5) and resumed must end bitwise equal to an
 * uninterrupted run: weights, EMA and optimizer state at step 12, and the same loss at every step.
 * The run exercises all the loop's state: warm-up + cosine, weight decay groups, clipping, EMA, the
 * shuffled and augmented data stream (2 workers), libtorch noise, previews with EMA weights swapped in.
 */
class ExactResumeTest {
  private static final int MAX = 12;
  @TempDir Path tmp;

  private static final class Crash extends RuntimeException {
    private static final long serialVersionUID = 1L;
  }

  private TrainResult train(Path images, Path out, Path resume, long initSeed, long crashAt) {
    DecqConfig config = ToyModel.config(images, 6, "train.max_steps=" + MAX, "train.checkpoint_every=5",
        "train.log_every=2", "train.batch_size=4", "train.seed=3", "train.lr=3e-3", "train.final_lr=3e-4",
        "train.warmup_steps=3", "train.grad_clip=0.05", "train.keep_last=2", "train.preview_every=6");
    try (ToyModel model = new ToyModel(6, 8, initSeed);
        ImageLoader loader = ImageLoader.training(config.data(), config.train().batchSize(), config.train().seed())) {
      HostBatch previewImages = ImageLoader.previewBatch(config.data());
      TrainLoop<HostBatch> loop = TrainLoop.<HostBatch>builder()
          .config(config)
          .runDir(out)
          .parameters(model.params)
          .data(loader)
          .step(model::loss)
          .preview((m, step) -> model.preview(m, previewImages), 4)
          .manager(model.manager)
          .resumeFrom(resume)
          .listener(r -> {
            if (r.step() == crashAt) {
              throw new Crash();
            }
          })
          .build();
      return loop.run();
    }
  }

  @Test
  void stoppedAndResumedRunEqualsUninterruptedRunBitwise() {
    Path images = TestImages.flat(tmp.resolve("images"), 10, 9, 8);
    Path straight = tmp.resolve("straight");
    Path interrupted = tmp.resolve("interrupted");
    TrainResult a = train(images, straight, null, 42, -1);
    assertEquals(MAX, a.endStep());

    assertThrows(Crash.class, () -> train(images, interrupted, null, 42, 7));
    RunDirectory run = new RunDirectory(interrupted);
    assertEquals(List.of(run.checkpointDir(5)), run.checkpoints(), "crashed after step 7: only step 5 was saved");
    // Resume into the same run with other initial weights: everything must come from the checkpoint.
    TrainResult b = train(images, interrupted, interrupted, 999, -1);
    assertEquals(5, b.startStep());

    Path ca = new RunDirectory(straight).checkpointDir(MAX);
    Path cb = run.checkpointDir(MAX);
    for (String file : List.of(Checkpoint.MODEL, Checkpoint.EMA, Checkpoint.OPTIMIZER)) {
      Map<String, HostTensor> ta = SafeTensors.read(ca.resolve(file));
      Map<String, HostTensor> tb = SafeTensors.read(cb.resolve(file));
      assertEquals(ta.keySet(), tb.keySet(), file);
      for (String k : ta.keySet()) {
        assertTrue(ta.get(k).equals(tb.get(k)), file + " " + k + " differs bitwise");
      }
    }
    assertEquals(SafeTensors.readWithMetadata(ca.resolve(Checkpoint.OPTIMIZER)).metadata(),
        SafeTensors.readWithMetadata(cb.resolve(Checkpoint.OPTIMIZER)).metadata());
    Checkpoint sa = Checkpoint.resolve(straight);
    Checkpoint sb = Checkpoint.resolve(interrupted);
    assertEquals(sa.state().position(), sb.state().position());
    assertEquals(MAX, sb.state().optimizerStep());

    List<JsonObject> ma = MetricsLog.read(straight.resolve("metrics.jsonl"));
    List<JsonObject> mb = MetricsLog.read(interrupted.resolve("metrics.jsonl"));
    assertEquals(MAX / 2, ma.size());
    assertEquals(ma.size(), mb.size(), "metrics after the resume point were replaced, not duplicated");
    for (int i = 0; i < ma.size(); i++) {
      // The first record after the resume (step 6) averages only step 6, the uninterrupted one steps 5-6.
      boolean fullWindow = ma.get(i).get("step").getAsLong() != 6;
      for (String k : fullWindow ? List.of("step", "loss", "l1", "l2", "lr", "grad_norm", "epoch") : List.of("step", "lr")) {
        assertEquals(ma.get(i).get(k), mb.get(i).get(k), "metrics line " + i + " " + k);
      }
    }
    assertArrayEquals(readBytes(straight.resolve("previews/step-0000012.png")),
        readBytes(interrupted.resolve("previews/step-0000012.png")), "same preview at the end");
  }

  private static byte[] readBytes(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
