package io.decq.core.encoder;

import static io.decq.core.encoder.Golden.assertClose;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.decq.core.image.Images;
import io.decq.core.io.HostTensor;
import io.decq.core.nn.LayerNorm;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The SigLIP vision tower against Hugging Face transformers v4.56.2 + RAE's {@code SigLIP2wNorm}
 * (golden README section 2). Bound: 1e-4 on every output (the README's recommendation), 1e-7 on the
 * pixel values (exact arithmetic).
 */
@Tag("parity")
class SiglipParityTest {
  static FrozenEncoder encoder;
  static Map<String, HostTensor> expected;
  static NDManager manager;

  @BeforeAll
  static void load() {
    encoder = Golden.siglip();
    expected = Golden.tensors("siglip_expected.safetensors");
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
    encoder.close();
  }

  @Test
  void modelOnlyFromStoredPixelValues() {
    try (NDManager m = manager.newSubManager()) {
      VisionTower tower = encoder.tower();
      NDArray h = tower.embeddings(expected.get("pixel_values").toNDArray(m));
      assertClose("siglip model-only hidden_states.0", expected.get("hidden_states.0"), h, 1e-4);
      for (int i = 0; i < tower.depth(); i++) {
        h = tower.block(i, h);
        assertClose("siglip model-only hidden_states." + (i + 1), expected.get("hidden_states." + (i + 1)), h, 1e-4);
      }
      assertClose("siglip model-only last_hidden_state", expected.get("last_hidden_state"), tower.finalNorm(h), 1e-4);
      assertClose("siglip model-only rae_latent", expected.get("rae_latent"), LayerNorm.normalize(h, (float) Golden.siglipConfig().layerNormEps()), 1e-4);
    }
  }

  @Test
  void endToEndFromPngs() {
    try (NDManager m = manager.newSubManager()) {
      NDArray u8 = Images.toNCHW(m, List.of(Images.read(Golden.file("siglip_input0.png")),
          Images.read(Golden.file("siglip_input1.png"))));
      assertClose("siglip pixel_values", expected.get("pixel_values"), encoder.preprocess(u8), 1e-7);
      Set<Integer> all = new HashSet<>();
      for (int i = 0; i <= encoder.depth(); i++) {
        all.add(i);
      }
      EncoderOutput out = encoder.encode(u8, all);
      for (int i = 0; i <= encoder.depth(); i++) {
        assertClose("siglip hidden_states." + i, expected.get("hidden_states." + i), out.hiddenStates().get(i), 1e-4);
      }
      assertClose("siglip last_hidden_state", expected.get("last_hidden_state"),
          encoder.tower().finalNorm(out.hiddenStates().get(encoder.depth())), 1e-4);
      assertClose("siglip rae_latent", expected.get("rae_latent"), out.latent(), 1e-4);
    }
  }
}
