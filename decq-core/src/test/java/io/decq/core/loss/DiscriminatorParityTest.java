package io.decq.core.loss;

import static io.decq.core.loss.LossGolden.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonObject;
import io.decq.core.io.HostTensor;
import io.decq.core.io.WeightFiles;
import io.decq.core.nn.DecqBlock;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * RAE's DINO discriminator against the golden case's {@code disc/} (README section 2) with the README's
 * tolerances: logits abs 2e-4, losses abs 1e-5, head gradients max abs diff <= 1e-3 x the largest gradient of
 * any head parameter, spectral-norm u/v after the step abs 1e-5.
 */
@Tag("parity")
class DiscriminatorParityTest {
  @Test
  void evalLogitsAndGeneratorSideLosses() {
    Map<String, HostTensor> t = LossGolden.tensors("disc/d_step.safetensors");
    JsonObject c = LossGolden.caseJson().getAsJsonObject("disc");
    try (DinoDiscriminator d = DiscFixtures.load(); NDManager m = NDManager.newBaseManager()) {
      Map<String, HostTensor> before = d.stateDict();
      NDArray fake = d.classify(t.get("fake_input").toNDArray(m), false);
      NDArray real = d.classify(t.get("real_input").toNDArray(m), false);
      assertClose("logits_fake_eval", t.get("logits_fake_eval"), fake, 2e-4);
      assertClose("logits_real_eval", t.get("logits_real_eval"), real, 2e-4);
      assertClose("logits_fake_noaug_eval", t.get("logits_fake_noaug_eval"), d.classify(t.get("fake_detached").toNDArray(m), false), 2e-4);
      assertClose("g_loss", c.get("g_loss_f32").getAsDouble(), GanLoss.generator(fake).getFloat(), 1e-5);
      assertClose("hinge_d_loss eval", c.get("hinge_d_loss_eval_f32").getAsDouble(), GanLoss.hingeD(real, fake).getFloat(), 1e-5);
      assertClose("vanilla_d_loss eval", c.get("vanilla_d_loss_eval_f32").getAsDouble(), GanLoss.vanillaD(real, fake).getFloat(), 1e-5);
      assertEquals(before, d.stateDict(), "an eval forward moved the spectral-norm buffers");
    }
  }

  @Test
  void discriminatorStep() {
    Map<String, HostTensor> t = LossGolden.tensors("disc/d_step.safetensors");
    JsonObject c = LossGolden.caseJson().getAsJsonObject("disc");
    try (DinoDiscriminator d = DiscFixtures.load(); NDManager m = NDManager.newBaseManager()) {
      Map<String, HostTensor> backboneBefore = d.backboneStateDict();
      Map<String, Parameter> trainable = d.trainableParameters();
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray fake = d.classify(t.get("fake_input").toNDArray(m), true);
        NDArray real = d.classify(t.get("real_input").toNDArray(m), true);
        assertClose("logits_fake_train", t.get("logits_fake_train"), fake, 2e-4);
        assertClose("logits_real_train", t.get("logits_real_train"), real, 2e-4);
        NDArray loss = GanLoss.hingeD(real, fake);
        assertClose("d_loss", c.get("hinge_d_loss_train_f32").getAsDouble(), loss.getFloat(), 1e-5);
        assertClose("accuracy", c.get("accuracy_train_f32").getAsDouble(), GanLoss.accuracy(real, fake).getFloat(),
            2.0 / fake.size());
        gc.backward(loss);
      }
      double scale = 0;
      for (String k : trainable.keySet()) {
        scale = Math.max(scale, max(t.get("grad." + k).toDoubles()));
      }
      int grads = 0;
      for (Map.Entry<String, Parameter> e : trainable.entrySet()) {
        assertClose("grad." + e.getKey(), t.get("grad." + e.getKey()), e.getValue().getArray().getGradient(), 1e-3 * scale);
        grads++;
      }
      assertEquals(t.keySet().stream().filter(k -> k.startsWith("grad.")).count(), grads, "gradient tensors compared");
      Map<String, HostTensor> state = d.stateDict();
      int uv = 0;
      for (String k : t.keySet()) {
        if (k.startsWith("after.")) {
          String name = k.substring("after.".length());
          assertClose(k, t.get(k).toDoubles(), state.get(name).toDoubles(), 1e-5);
          uv++;
        }
      }
      assertEquals(30, uv);
      // D's own optimizer step touches the heads only; the frozen backbone stays bit-identical.
      for (Parameter p : trainable.values()) {
        NDArray a = p.getArray();
        DecqBlock.assign(a, a.sub(a.getGradient().mul(1e-2f)));
      }
      assertEquals(backboneBefore, d.backboneStateDict(), "the frozen backbone changed");
    }
  }

  /**
   * A training-mode forward (power iteration, then the conv with the updated u/v) passes a finite, non-zero
   * gradient into its input, equal to that of an eval-mode forward of a discriminator holding the updated
   * u/v: the u/v the graph uses are constants of that forward. (With libtorch's conv1d for the k=9 heads
   * this gradient was NaN; see {@link SpectralConv1d}.)
   */
  @Test
  void trainingModeInputGradientEqualsEvalWithTheUpdatedBuffers() {
    Map<String, HostTensor> t = LossGolden.tensors("disc/d_step.safetensors");
    try (DinoDiscriminator train = DiscFixtures.load(); DinoDiscriminator eval = DiscFixtures.load();
        NDManager m = NDManager.newBaseManager()) {
      NDArray x = t.get("fake_input").toNDArray(m);
      x.setRequiresGradient(true);
      float[] trainGrad;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        gc.backward(GanLoss.generator(train.classify(x, true)));
        trainGrad = x.getGradient().toFloatArray();
      }
      eval.loadStateDict(train.stateDict(), "after the training forward", null);
      NDArray y = t.get("fake_input").toNDArray(m);
      y.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        gc.backward(GanLoss.generator(eval.classify(y, false)));
      }
      float[] evalGrad = y.getGradient().toFloatArray();
      double norm = 0;
      double diff = 0;
      for (int i = 0; i < trainGrad.length; i++) {
        assertTrue(Float.isFinite(trainGrad[i]), "non-finite input gradient at " + i);
        norm = Math.max(norm, Math.abs(trainGrad[i]));
        diff = Math.max(diff, Math.abs(trainGrad[i] - evalGrad[i]));
      }
      System.out.printf("training-mode input gradient: max |g| %.3g, max |train - eval| %.3g%n", norm, diff);
      assertTrue(norm > 0, "zero input gradient");
      assertTrue(diff <= 1e-6 * norm, "training and eval input gradients differ by " + diff);
    }
  }

  @Test
  void stateIsRaeCheckpointLayoutAndRoundTrips() {
    Map<String, HostTensor> heads = WeightFiles.read(LossGolden.file("disc/disc_heads.pt"));
    try (DinoDiscriminator d = DiscFixtures.load(); NDManager m = NDManager.newBaseManager()) {
      assertEquals(new TreeSet<>(heads.keySet()), new TreeSet<>(d.stateDict().keySet()));
      assertEquals(heads, d.stateDict());
      for (String k : d.trainableParameters().keySet()) {
        assertTrue(!k.endsWith("weight_u") && !k.endsWith("weight_v"), k + " must not be optimised");
      }
      Map<String, HostTensor> saved = d.stateDict();
      NDArray x = LossGolden.tensors("disc/d_step.safetensors").get("fake_input").toNDArray(m);
      NDArray first = d.classify(x, true);
      Map<String, HostTensor> moved = d.stateDict();
      assertTrue(!moved.equals(saved), "a training forward must move u/v");
      d.loadStateDict(saved, "saved", null);
      assertEquals(saved, d.stateDict());
      assertEquals(first.toFloatArray().length, d.classify(x, true).toFloatArray().length);
      assertEquals(moved, d.stateDict(), "restored u/v must reproduce the same power iteration");
    }
  }

  private static double max(double[] v) {
    double s = 0;
    for (double x : v) {
      s = Math.max(s, Math.abs(x));
    }
    return s;
  }
}
