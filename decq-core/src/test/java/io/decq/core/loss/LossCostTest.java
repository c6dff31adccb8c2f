package io.decq.core.loss;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Cost of one forward + backward of LPIPS (real VGG16 size) and of the discriminator (golden case's
 * backbone, eval mode as on the generator side) into the images on CPU, at the golden sizes and at 64x64 batch 8: one timed run after one
 * warm-up. Asserts only that the gradients reach the images.
 */
@Tag("slow")
class LossCostTest {
  @Test
  void perStepCost() {
    try (Lpips lpips = Lpips.load(LossGolden.file("lpips/vgg16_features.f16.safetensors"),
            LossGolden.file("lpips/lpips_v0.1_vgg_lin.safetensors"), Device.cpu());
        DinoDiscriminator disc = DiscFixtures.load()) {
      for (int batch : new int[] {2, 4, 8}) {
        int b = batch;
        time("lpips 64x64 batch " + b, () -> step(b, (m, x) -> lpips.forward(x.get("0:" + b / 2), x.get(b / 2 + ":"))));
        time("disc (tiny backbone) 64x64 batch " + b, () -> step(b, (m, x) -> GanLoss.generator(disc.classify(x, false))));
      }
    }
  }

  interface Loss {
    NDArray apply(NDManager m, NDArray x);
  }

  private static void step(int batch, Loss loss) {
    try (NDManager m = NDManager.newBaseManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray x = m.randomUniform(-1f, 1f, new Shape(batch, 3, 64, 64));
      x.setRequiresGradient(true);
      gc.backward(loss.apply(m, x));
      assertTrue(x.getGradient().abs().sum().getFloat() > 0, "no gradient reached the images");
    }
  }

  private static void time(String what, Runnable r) {
    r.run();
    double[] s = new double[1];
    for (int i = 0; i < s.length; i++) {
      long t0 = System.nanoTime();
      r.run();
      s[i] = (System.nanoTime() - t0) / 1e9;
    }
    java.util.Arrays.sort(s);
    System.out.printf(Locale.ROOT, "%-40s forward+backward %.3f s%n", what, s[0]);
  }
}
