package io.decq.core.loss;

import static io.decq.core.loss.LossGolden.assertClose;
import static io.decq.core.loss.LossGolden.assertRelL2;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonObject;
import io.decq.core.io.HostTensor;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The VQGAN adaptive weight (golden README section 4): the formula on a tiny layer (incl. the 1e4 clamp)
 * and one full generator step of RAE's stage 1 from the decoder's last layer on (L1 + LPIPS + adaptively
 * weighted GAN through DiffAug and the eval-mode discriminator), with the README's tolerances.
 */
@Tag("parity")
class AdaptiveWeightParityTest {
  @Test
  void formula() {
    Map<String, HostTensor> t = LossGolden.tensors("adaptive/formula.safetensors");
    JsonObject f32 = LossGolden.caseJson().getAsJsonObject("adaptive_formula").getAsJsonObject("f32");
    try (NDManager m = NDManager.newBaseManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray w = t.get("W").toNDArray(m);
      w.setRequiresGradient(true);
      NDArray y = t.get("h").toNDArray(m).matMul(w.transpose()).add(t.get("b").toNDArray(m)); // (B, T, O)
      NDArray nll = y.sub(t.get("t").toNDArray(m)).abs().mean();
      NDArray g = t.get("c").toNDArray(m).mul(y).mean().neg();
      assertClose("formula nll", f32.get("nll").getAsDouble(), nll.getFloat(), 1e-6);
      assertClose("formula g", f32.get("g").getAsDouble(), g.getFloat(), 1e-6);
      AdaptiveWeight.backwardKeepingGraph(g);
      NDArray gradG = w.getGradient().duplicate();
      gc.backward(nll);
      NDArray gradNll = w.getGradient().sub(gradG);
      assertClose("formula ||dnll/dW||", f32.get("grad_norm_nll").getAsDouble(), AdaptiveWeight.frobenius(gradNll), 1e-6);
      assertClose("formula ||dg/dW||", f32.get("grad_norm_g").getAsDouble(), AdaptiveWeight.frobenius(gradG), 1e-6);
      float d = AdaptiveWeight.of(gradNll, gradG, AdaptiveWeight.MAX);
      assertClose("formula d_weight (rel)", 1.0, d / f32.get("d_weight").getAsDouble(), 1e-4);
      float clamped = AdaptiveWeight.of(gradNll, gradG.mul(1e-9f), AdaptiveWeight.MAX);
      assertClose("formula d_weight clamped", f32.get("d_weight_clamped_case").getAsDouble(), clamped, 0);
    }
  }

  @Test
  void endToEndGeneratorStep() {
    Map<String, HostTensor> t = LossGolden.tensors("adaptive/e2e.safetensors");
    JsonObject c = LossGolden.caseJson().getAsJsonObject("adaptive_e2e");
    JsonObject f32 = c.getAsJsonObject("f32");
    int p = c.get("patch").getAsInt();
    int size = c.get("image_size").getAsInt();
    float perceptual = c.get("perceptual_weight").getAsFloat();
    float discWeight = c.get("disc_weight").getAsFloat();
    double max = c.get("max_d_weight").getAsDouble();
    try (Lpips lpips = Lpips.load(LossGolden.file("lpips/vgg16_features.f16.safetensors"),
            LossGolden.file("lpips/lpips_v0.1_vgg_lin.safetensors"), Device.cpu());
        DinoDiscriminator disc = DiscFixtures.load();
        NDManager m = NDManager.newBaseManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray w = t.get("decoder_pred_weight").toNDArray(m);
      NDArray b = t.get("decoder_pred_bias").toNDArray(m);
      w.setRequiresGradient(true);
      b.setRequiresGradient(true);
      NDArray hidden = t.get("hidden").toNDArray(m); // (B, 1 + h w, D)
      long batch = hidden.getShape().get(0);
      int grid = size / p;
      NDArray logits = hidden.matMul(w.transpose()).add(b).get(":, 1:, :"); // (B, h w, p p 3)
      NDArray x = logits.reshape(batch, grid, grid, p, p, 3).transpose(0, 5, 1, 3, 2, 4).reshape(batch, 3, size, size);
      NDArray mean = m.create(new float[] {0.485f, 0.456f, 0.406f}, new Shape(1, 3, 1, 1));
      NDArray std = m.create(new float[] {0.229f, 0.224f, 0.225f}, new Shape(1, 3, 1, 1));
      NDArray recon = x.mul(std).add(mean); // (B, 3, S, S)
      assertClose("e2e recon", t.get("recon"), recon, 1e-6);
      NDArray images = t.get("images_u8").toNDArray(m).toType(DataType.FLOAT32, false).div(255f);
      NDArray rec = recon.sub(images).abs().mean();
      NDArray perc = lpips.forward(images.mul(2f).sub(1f), recon.mul(2f).sub(1f));
      NDArray recTotal = rec.add(perc.mul(perceptual));
      NDArray fakeAug = DiffAug.RAE.apply(recon.mul(2f).sub(1f), DiscFixtures.draws(t, "aug_flags", "aug_rand"));
      NDArray logitsFake = disc.classify(fakeAug, false);
      assertClose("e2e logits_fake", t.get("logits_fake"), logitsFake, 2e-4);
      NDArray gan = GanLoss.generator(logitsFake);
      assertClose("e2e rec_loss", f32.get("rec_loss").getAsDouble(), rec.getFloat(), 1e-6);
      assertClose("e2e lpips_loss", f32.get("lpips_loss").getAsDouble(), perc.getFloat(), 1e-5);
      assertClose("e2e gan_loss", f32.get("gan_loss").getAsDouble(), gan.getFloat(), 1e-5);
      // Two backward passes: the GAN term keeping the graph, then the reconstruction terms.
      AdaptiveWeight.backwardKeepingGraph(gan);
      NDArray ganW = w.getGradient().duplicate();
      NDArray ganB = b.getGradient().duplicate();
      gc.backward(recTotal);
      NDArray recW = w.getGradient().sub(ganW);
      NDArray recB = b.getGradient().sub(ganB);
      assertClose("e2e ||d recon_total/dW|| (rel)", 1.0, AdaptiveWeight.frobenius(recW) / f32.get("grad_norm_recon_total").getAsDouble(), 1e-4);
      assertClose("e2e ||d gan/dW|| (rel)", 1.0, AdaptiveWeight.frobenius(ganW) / f32.get("grad_norm_gan").getAsDouble(), 1e-4);
      float d = AdaptiveWeight.of(recW, ganW, max);
      assertClose("e2e adaptive_weight (rel)", 1.0, d / f32.get("adaptive_weight").getAsDouble(), 1e-4);
      float total = recTotal.getFloat() + discWeight * d * gan.getFloat();
      assertClose("e2e total_loss", f32.get("total_loss").getAsDouble(), total, 1e-5);
      float k = discWeight * d;
      assertRelL2("e2e grad_total_wrt_weight", t.get("grad_total_wrt_weight"), recW.add(ganW.mul(k)), 1e-2);
      assertRelL2("e2e grad_total_wrt_bias", t.get("grad_total_wrt_bias"), recB.add(ganB.mul(k)), 1e-2);
    }
  }
}
