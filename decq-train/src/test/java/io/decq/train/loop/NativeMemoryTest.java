package io.decq.train.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.decq.core.config.DecqConfig;
import io.decq.core.nn.NativeMemory;
import io.decq.train.data.HostBatch;
import io.decq.train.data.ImageLoader;
import io.decq.train.data.TestImages;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The number of live native arrays (the whole DJL manager tree) must not grow over 1,000 steps, although
 * the toy model's forward pass puts one result into the parameters' manager on every step.
 */
class NativeMemoryTest {
  @TempDir Path tmp;

  @Test
  void counterSeesArraysUntilTheyAreClosed() {
    try (NDManager m = NDManager.newBaseManager()) {
      int before = NativeMemory.liveArrays();
      NDArray a = m.create(1f);
      m.create(2f);
      try (NDManager sub = m.newSubManager()) {
        sub.create(3f);
        assertEquals(before + 3, NativeMemory.liveArrays());
      }
      assertEquals(before + 2, NativeMemory.liveArrays());
      a.close();
      assertEquals(before + 1, NativeMemory.liveArrays());
    }
  }

  @Test
  void liveArraysDoNotGrowOver1000Steps() {
    int steps = 1000;
    Path images = TestImages.flat(tmp.resolve("images"), 8, 4, 4);
    DecqConfig config = ToyModel.config(images, 4, "train.max_steps=" + steps, "train.checkpoint_every=" + steps,
        "train.log_every=100", "train.batch_size=2", "train.lr=1e-3", "train.final_lr=1e-4", "train.warmup_steps=10",
        "train.grad_clip=1.0", "train.keep_last=1");
    int[] live = new int[steps + 1];
    long t0 = System.nanoTime();
    try (ToyModel model = new ToyModel(4, 4, 0);
        ImageLoader loader = ImageLoader.training(config.data(), 2, 0)) {
      TrainLoop.<HostBatch>builder().config(config).runDir(tmp.resolve("run")).parameters(model.params).data(loader)
          .step(model::loss).manager(model.manager)
          .listener(r -> live[(int) r.step()] = NativeMemory.liveArrays())
          .build().run();
    }
    double seconds = (System.nanoTime() - t0) * 1e-9;
    int max = 0;
    for (int s = 10; s <= steps; s++) {
      max = Math.max(max, live[s]);
    }
    System.out.printf("live native arrays after step 10: %d, after step %d: %d, max over 10..%d: %d (%.1f s, %.2f ms/step)%n",
        live[10], steps, live[steps], steps, max, seconds, seconds * 1000 / steps);
    assertEquals(live[10], live[steps], "live arrays grew between step 10 and step " + steps);
    assertTrue(max <= live[10], "live arrays peaked at " + max + " > " + live[10]);
  }
}
