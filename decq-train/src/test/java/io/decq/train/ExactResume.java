package io.decq.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import io.decq.core.run.Checkpoint;
import io.decq.core.run.RunDirectory;
import io.decq.train.loop.StepListener;
import io.decq.train.loop.TrainResult;
import io.decq.train.run.MetricsLog;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The exact-resume check every trainer's tests share: an uninterrupted run, and a run killed by an
 * exception after some step and resumed from its last checkpoint, must end bitwise equal (weights, EMA,
 * optimizer state, data position, every logged metric).
 */
public final class ExactResume {
  private ExactResume() {}

  /** Thrown from a step listener: the training process dies after that step. */
  public static final class Kill extends RuntimeException {
    private static final long serialVersionUID = 1L;
  }

  /** Prepares one trainer and trains it to train.max_steps. */
  @FunctionalInterface
  public interface Trainer {
    /**
     * @param out the run directory
     * @param resume the run to continue (null: start fresh)
     * @param listener called after every step
     */
    TrainResult train(Path out, Path resume, StepListener listener);
  }

  /**
   * Trains {@code straight} to the end (calling {@code eachStep} after every step), then {@code
   * interrupted} killed after step {@code killAfter} and resumed: the resumed run must start at
   * {@code lastCheckpoint}, the only checkpoint the killed run left.
   */
  public static void runBoth(Trainer trainer, Path straight, Path interrupted, long killAfter, long lastCheckpoint,
      StepListener eachStep) {
    TrainResult s = trainer.train(straight, null, eachStep);
    assertEquals(0, s.startStep());
    assertThrows(Kill.class, () -> trainer.train(interrupted, null, r -> {
      if (r.step() == killAfter) {
        throw new Kill();
      }
    }));
    assertEquals(List.of(new RunDirectory(interrupted).checkpointDir(lastCheckpoint)),
        new RunDirectory(interrupted).checkpoints());
    TrainResult r = trainer.train(interrupted, interrupted, report -> { });
    assertEquals(lastCheckpoint, r.startStep());
    assertEquals(s.endStep(), r.endStep());
  }

  /**
   * The checkpoint of step {@code step} is bitwise the same in both runs: {@code files} (safetensors, e.g.
   * {@link Checkpoint#MODEL}, {@link Checkpoint#EMA}, {@link Checkpoint#OPTIMIZER}) and the data position.
   */
  public static void assertSameCheckpoint(Path straight, Path interrupted, long step, List<String> files) {
    Path a = new RunDirectory(straight).checkpointDir(step);
    Path b = new RunDirectory(interrupted).checkpointDir(step);
    for (String file : files) {
      assertSameTensors(a.resolve(file), b.resolve(file));
    }
    assertEquals(Checkpoint.resolve(a).state().position(), Checkpoint.resolve(b).state().position());
  }

  /** Two safetensors files hold the same keys with bitwise equal tensors. */
  public static void assertSameTensors(Path a, Path b) {
    Map<String, HostTensor> ta = SafeTensors.read(a);
    Map<String, HostTensor> tb = SafeTensors.read(b);
    assertTrue(!ta.isEmpty(), a + " holds no tensors");
    assertEquals(ta.keySet(), tb.keySet(), a.getFileName().toString());
    for (String k : ta.keySet()) {
      assertTrue(ta.get(k).equals(tb.get(k)), a.getFileName() + " " + k + " differs bitwise");
    }
  }

  /** Both runs' metrics.jsonl have {@code rows} records with equal values of {@code keys}. */
  public static void assertSameMetrics(Path straight, Path interrupted, int rows, List<String> keys) {
    List<JsonObject> ma = MetricsLog.read(straight.resolve("metrics.jsonl"));
    List<JsonObject> mb = MetricsLog.read(interrupted.resolve("metrics.jsonl"));
    assertEquals(rows, ma.size());
    assertEquals(rows, mb.size());
    for (int i = 0; i < rows; i++) {
      for (String k : keys) {
        assertTrue(ma.get(i).has(k), "metrics line " + i + " lacks " + k);
        assertEquals(ma.get(i).get(k), mb.get(i).get(k), "metrics line " + i + " " + k);
      }
    }
  }

  /**
   * Native arrays alive after each step ({@code live}, one entry per step) stay flat from the second step
   * on (step 1 creates the optimizer's moment arrays).
   */
  public static void assertFlat(List<Integer> live, int steps) {
    assertEquals(steps, live.size());
    assertEquals(List.of(live.get(1)), live.subList(1, steps).stream().distinct().toList(), "live arrays " + live);
  }
}
