package io.decq.train.recon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.decq.core.config.LossConfig;
import io.decq.core.loss.AdaptiveWeight;
import io.decq.core.loss.DiffAug;
import io.decq.core.loss.GanLoss;
import io.decq.train.loop.StepContext;
import io.decq.train.loop.StepLoss;
import io.decq.train.optim.Gradients;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The trainer's GAN term with the adaptive weight ({@link ReconGan#withGenerator}, three backward passes
 * sharing one graph) against the definition computed with separate graphs: {@code d = clamp(||dL_rec/dW|| /
 * (||dL_gan/dW|| + 1e-6))} and the total gradient {@code dL_rec/dW + gan_weight * d * dL_gan/dW}. W here is
 * a (B, 3, S, S) leaf the "reconstruction" is an affine function of; D is the golden discriminator setup of
 * configs/tiny-recon-gan.yaml.
 */
class ReconGanAdaptiveWeightTest {
  private static final long SEED = 7;

  @Test
  void adaptiveWeightAndTotalGradientMatchTheDefinition() {
    LossConfig config = TinyRecon.ganConfig().loss();
    try (ReconGan gan = ReconGan.create(config, Device.cpu(), 0); NDManager m = NDManager.newBaseManager(Device.cpu())) {
      Random r = new Random(1);
      int b = 2;
      int side = 64;
      Shape shape = new Shape(b, 3, side, side);
      NDArray w = m.randomUniform(0f, 1f, shape);
      w.setRequiresGradient(true);
      Parameter wp = Parameter.builder().setName("w").setType(Parameter.Type.WEIGHT).optArray(w).build();
      NDArray target = m.randomUniform(0f, 1f, shape); // (B, 3, S, S)
      Function<NDArray, NDArray> recon = x -> x.mul(1.2f).sub(0.1f); // (B, 3, S, S)
      List<Parameter> heads = List.copyOf(gan.discriminator().trainableParameters().values());

      NDArray gGan = gradient(m, wp, heads, () -> {
        NDArray fake = DiffAug.RAE.apply(recon.apply(w).mul(2f).sub(1f),
            DiffAug.Draws.sample(new SplittableRandom(new Random(SEED).nextLong()), b)); // (B, 3, S, S)
        return GanLoss.generator(gan.discriminator().classify(fake, false));
      });
      NDArray gRec = gradient(m, wp, heads, () -> recon.apply(w).sub(target).abs().mean());
      float d = AdaptiveWeight.of(gRec, gGan, config.maxAdaptiveWeight());

      StepLoss out;
      NDArray got;
      try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
        NDArray reconstruction = recon.apply(w);
        NDArray l1 = reconstruction.sub(target).abs().mean();
        StepContext ctx = new StepContext(m, 1, 1, 0, new Random(SEED));
        out = gan.withGenerator(new StepLoss(l1, Map.of("l1", l1)), reconstruction, ctx, wp, List.of(wp));
        c.backward(out.total());
        got = w.getGradient().duplicate();
      }
      float dGot = out.terms().get("adaptive_weight").getFloat();
      System.out.printf("adaptive weight: trainer %.9g, definition %.9g%n", dGot, d);
      assertTrue(d > 0 && d < config.maxAdaptiveWeight(), "d " + d);
      assertEquals(d, dGot, 1e-6 * d);
      NDArray expected = gRec.add(gGan.mul((float) (config.ganWeight() * d)));
      float diff = got.sub(expected).abs().max().getFloat();
      float scale = expected.abs().max().getFloat();
      System.out.printf("total gradient: max abs diff %.3g (max |grad| %.3g)%n", diff, scale);
      assertTrue(diff <= 1e-5 * scale, "max abs diff " + diff + " of " + scale);
    }
  }

  /** d loss / d w in its own graph; every gradient zeroed after. */
  private static NDArray gradient(NDManager m, Parameter w, List<Parameter> others,
      java.util.function.Supplier<NDArray> loss) {
    NDArray g;
    try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
      c.backward(loss.get());
      g = w.getArray().getGradient().duplicate();
    }
    Gradients.zero(List.of(w));
    Gradients.zero(others);
    return g;
  }
}
