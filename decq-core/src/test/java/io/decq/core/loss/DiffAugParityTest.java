package io.decq.core.loss;

import static io.decq.core.loss.LossGolden.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.decq.core.io.HostTensor;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * DiffAug on the recorded draws (golden README section 3; abs 1e-6) and the 8-bit quantisation of fakes
 * (bit-exact).
 */
@Tag("parity")
class DiffAugParityTest {
  @Test
  void examples() {
    Map<String, HostTensor> t = LossGolden.tensors("diffaug/examples.safetensors");
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = t.get("x").toNDArray(m);
      DiffAug.Draws all = DiscFixtures.draws(t, "flags", "rand");
      assertClose("diffaug prob1 cutout0", t.get("out_prob1_cutout0"), DiffAug.RAE.apply(x, all), 1e-6);
      assertClose("diffaug prob1 cutout0.2", t.get("out_prob1_cutout02"), new DiffAug(1f, 0.2f).apply(x, all), 1e-6);
      DiffAug.Draws partial = DiscFixtures.draws(t, "flags_partial", "rand");
      assertClose("diffaug prob0.5 cutout0.2", t.get("out_prob05_cutout02"), new DiffAug(0.5f, 0.2f).apply(x, partial), 1e-6);
    }
  }

  @Test
  void discriminatorStepInputsAndQuantisation() {
    Map<String, HostTensor> t = LossGolden.tensors("disc/d_step.safetensors");
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray real = DiscFixtures.u8ToSigned(t.get("images_u8"), m);
      assertClose("real_normed", t.get("real_normed"), real, 0);
      NDArray fake = GanLoss.quantize8bit(t.get("recon_disc").toNDArray(m).mul(2f).sub(1f));
      assertArrayEquals(t.get("fake_detached").toFloats(), fake.toFloatArray(), "fake_detached is not bit-exact");
      assertClose("fake_input", t.get("fake_input"), DiffAug.RAE.apply(fake, DiscFixtures.draws(t, "aug_fake_flags", "aug_fake_rand")),
          1e-6);
      assertClose("real_input", t.get("real_input"), DiffAug.RAE.apply(real, DiscFixtures.draws(t, "aug_real_flags", "aug_real_rand")),
          1e-6);
    }
  }

  @Test
  void endToEndFakeAugmentation() {
    Map<String, HostTensor> t = LossGolden.tensors("adaptive/e2e.safetensors");
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray fake = t.get("recon").toNDArray(m).mul(2f).sub(1f);
      assertClose("e2e fake_aug", t.get("fake_aug"), DiffAug.RAE.apply(fake, DiscFixtures.draws(t, "aug_flags", "aug_rand")), 1e-6);
    }
  }
}
