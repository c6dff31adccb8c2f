package io.decq.train.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.google.gson.JsonObject;
import io.decq.core.config.DecqConfig;
import io.decq.core.error.BadInputException;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import io.decq.core.run.Checkpoint;
import io.decq.core.run.RunDirectory;
import io.decq.train.data.HostBatch;
import io.decq.train.data.ImageLoader;
import io.decq.train.data.TestImages;
import io.decq.train.run.MetricsLog;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run with a second optimizer (a linear critic trained after each main step, as a GAN discriminator
 * is) and a running statistic the main step updates in place: stopped after step 5 (checkpoint at 4) and
 * resumed, it ends bitwise equal to an uninterrupted run in every file of the checkpoint, both optimizers'
 * states included. Nothing model-specific restores anything: the loop alone does.
 */
class TwoOptimizerResumeTest {
  private static final int MAX = 8;
  private static final int SIDE = 6;
  @TempDir Path tmp;

  private static final class Crash extends RuntimeException {
    private static final long serialVersionUID = 1L;
  }

  /** The toy autoencoder plus a critic D(x) = w . x + b and a running mean of the batches. */
  private static final class Gan implements AutoCloseable {
    final ToyModel generator;
    final Map<String, Parameter> critic = new LinkedHashMap<>();
    final NDArray runningMean;

    Gan(long initSeed) {
      generator = new ToyModel(SIDE, 8, initSeed);
      int d = 3 * SIDE * SIDE;
      NDManager m = generator.manager;
      Random r = new Random(initSeed + 1);
      float[] v = new float[d];
      for (int i = 0; i < d; i++) {
        v[i] = (float) ((r.nextDouble() * 2 - 1) * 0.05);
      }
      NDArray w = HostTensor.ofFloats(new long[] {1, d}, v).toNDArray(m);
      w.setRequiresGradient(true);
      NDArray b = m.zeros(new Shape(1));
      b.setRequiresGradient(true);
      critic.put("critic.weight", Parameter.builder().setName("critic.weight").setType(Parameter.Type.WEIGHT).optArray(w).build());
      critic.put("critic.bias", Parameter.builder().setName("critic.bias").setType(Parameter.Type.BIAS).optArray(b).build());
      runningMean = m.zeros(new Shape(1));
    }

    NDArray d(NDArray x) {
      return x.matMul(critic.get("critic.weight").getArray().transpose()).add(critic.get("critic.bias").getArray()); // (B, 1)
    }

    /** The generator's loss; updates the running mean of the batch pixels (a state tensor, no optimizer). */
    StepLoss generatorLoss(StepContext ctx, HostBatch batch) {
      NDArray x = batch.images(ctx.manager()).toType(DataType.FLOAT32, false).div(255f).reshape(batch.size(), -1);
      runningMean.muli(0.9f).addi(x.mean().mul(0.1f).reshape(1));
      return generator.loss(ctx, batch);
    }

    /** Softplus(-D(real)) + softplus(D(fake)), the fake reconstructions detached. */
    StepLoss criticLoss(StepContext ctx, HostBatch batch) {
      NDArray x = batch.images(ctx.manager()).toType(DataType.FLOAT32, false).div(255f).reshape(batch.size(), -1);
      NDArray fake = generator.forward(x).stopGradient(); // (B, 3*S*S)
      NDArray real = softplus(d(x).neg()).mean();
      NDArray gen = softplus(d(fake)).mean();
      return new StepLoss(real.add(gen), Map.of("real", real, "fake", gen));
    }

    private static NDArray softplus(NDArray z) {
      return z.exp().add(1f).log();
    }

    @Override
    public void close() {
      generator.close();
    }
  }

  private DecqConfig config(Path images) {
    return ToyModel.config(images, SIDE, "train.max_steps=" + MAX, "train.checkpoint_every=4", "train.log_every=2",
        "train.batch_size=4", "train.seed=5", "train.lr=3e-3", "train.final_lr=3e-4", "train.warmup_steps=2",
        "train.grad_clip=0.5");
  }

  private TrainResult train(Path images, Path out, Path resume, long initSeed, long crashAt, boolean withCritic) {
    DecqConfig config = config(images);
    DecqConfig criticSettings = ToyModel.config(images, SIDE, "train.lr=1e-2", "train.lr_schedule=constant",
        "train.weight_decay=0.0", "train.betas=[0.5, 0.9]");
    try (Gan gan = new Gan(initSeed);
        ImageLoader loader = ImageLoader.training(config.data(), config.train().batchSize(), config.train().seed())) {
      TrainLoop.Builder<HostBatch> b = TrainLoop.<HostBatch>builder()
          .config(config)
          .runDir(out)
          .parameters(gan.generator.params)
          .stateTensors(Map.of("running_mean", gan.runningMean))
          .data(loader)
          .step(gan::generatorLoss)
          .manager(gan.generator.manager)
          .resumeFrom(resume)
          .listener(r -> {
            if (r.step() == crashAt) {
              throw new Crash();
            }
          });
      if (withCritic) {
        b.extraOptimizer(new ExtraOptimizer<>("critic", gan.critic, criticSettings.train(), gan::criticLoss));
      }
      return b.build().run();
    }
  }

  @Test
  void stoppedAndResumedRunWithTwoOptimizersEqualsUninterruptedRunBitwise() {
    Path images = TestImages.flat(tmp.resolve("images"), 10, SIDE, SIDE);
    Path straight = tmp.resolve("straight");
    Path interrupted = tmp.resolve("interrupted");
    train(images, straight, null, 7, -1, true);
    assertThrows(Crash.class, () -> train(images, interrupted, null, 7, 5, true));
    assertEquals(List.of(new RunDirectory(interrupted).checkpointDir(4)), new RunDirectory(interrupted).checkpoints());
    // Other initial weights (and a zero running mean): everything must come back from the checkpoint.
    TrainResult resumed = train(images, interrupted, interrupted, 99, -1, true);
    assertEquals(4, resumed.startStep());

    Path a = new RunDirectory(straight).checkpointDir(MAX);
    Path b = new RunDirectory(interrupted).checkpointDir(MAX);
    List<String> files = List.of(Checkpoint.MODEL, Checkpoint.EMA, Checkpoint.OPTIMIZER, Checkpoint.weightsFile("critic"),
        Checkpoint.optimizerFile("critic"));
    for (String file : files) {
      Map<String, HostTensor> ta = SafeTensors.read(a.resolve(file));
      Map<String, HostTensor> tb = SafeTensors.read(b.resolve(file));
      assertFalse(ta.isEmpty(), file);
      assertEquals(ta.keySet(), tb.keySet(), file);
      for (String k : ta.keySet()) {
        assertTrue(ta.get(k).equals(tb.get(k)), file + " " + k + " differs bitwise");
      }
    }
    assertTrue(SafeTensors.read(a.resolve(Checkpoint.MODEL)).containsKey("running_mean"));
    assertArrayEquals(new long[] {1, 3 * SIDE * SIDE},
        SafeTensors.read(a.resolve(Checkpoint.weightsFile("critic"))).get("critic.weight").shape());
    assertEquals(Map.of("critic", (long) MAX), Checkpoint.resolve(interrupted).state().extraOptimizerSteps());
    assertEquals(SafeTensors.readWithMetadata(a.resolve(Checkpoint.optimizerFile("critic"))).metadata(),
        SafeTensors.readWithMetadata(b.resolve(Checkpoint.optimizerFile("critic"))).metadata());

    List<JsonObject> ma = MetricsLog.read(straight.resolve("metrics.jsonl"));
    List<JsonObject> mb = MetricsLog.read(interrupted.resolve("metrics.jsonl"));
    assertEquals(ma.size(), mb.size());
    JsonObject last = ma.get(ma.size() - 1);
    for (String k : List.of("critic_loss", "critic_real", "critic_fake")) {
      assertTrue(last.has(k), k + " in " + last);
      assertEquals(last.get(k), mb.get(mb.size() - 1).get(k), k);
    }
  }

  @Test
  void resumingWithAnOptimizerTheCheckpointLacksIsBadInput() {
    Path images = TestImages.flat(tmp.resolve("images"), 6, SIDE, SIDE);
    Path plain = tmp.resolve("plain");
    train(images, plain, null, 1, -1, false);
    BadInputException e = assertThrows(BadInputException.class, () -> train(images, tmp.resolve("more"), plain, 1, -1, true));
    assertTrue(e.getMessage().contains("has no trained part 'critic'"), e.getMessage());
  }
}
