package io.decq.core.encoder;

import static io.decq.core.encoder.Golden.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.decq.core.image.Images;
import io.decq.core.image.ResizeMatrix;
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
 * DINOv2-with-registers against Hugging Face transformers v4.56.2 + RAE's encoder glue (golden README
 * section 1). Bounds are the golden README's recommendations: 1e-4 model-only, 2e-4 / 3e-4 end to end
 * from the PNGs (the float32 bicubic resize dominates), 1e-5 on the position embeddings.
 */
@Tag("parity")
class Dinov2ParityTest {
  static HfVisionConfig config;
  static FrozenEncoder encoder;
  static Map<String, HostTensor> expected;
  static NDManager manager;

  @BeforeAll
  static void load() {
    config = Golden.dinov2Config();
    encoder = Golden.dinov2();
    expected = Golden.tensors("dinov2_reg_expected.safetensors");
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
    encoder.close();
  }

  /** Side of the patch grid the case's images make: the expected patch latent has grid * grid tokens. */
  static int grid() {
    int grid = (int) Math.round(Math.sqrt(expected.get("rae_latent").shape()[1]));
    assertEquals(expected.get("rae_latent").shape()[1], (long) grid * grid, "rae_latent holds a square grid of tokens");
    return grid;
  }

  @Test
  void antialiasedBicubicMatrixMatchesTorch() {
    int stored = config.storedGrid();
    int grid = grid();
    HostTensor want = expected.get("aa_bicubic_weights_" + stored + "_to_" + grid);
    assertArrayEquals(new long[] {grid, stored}, want.shape());
    double[][] m = ResizeMatrix.bicubicAntialias(stored, grid);
    double[] flat = new double[grid * stored];
    for (int i = 0; i < grid; i++) {
      System.arraycopy(m[i], 0, flat, i * stored, stored);
    }
    assertClose("aa_bicubic_weights_" + stored + "_to_" + grid, want.toDoubles(), flat, 1e-12);
  }

  @Test
  void interpolatedPositionEmbeddings() {
    try (NDManager m = manager.newSubManager()) {
      Dinov2WithRegisters tower = (Dinov2WithRegisters) encoder.tower();
      NDArray pos = tower.positionEmbeddings(m.zeros(new ai.djl.ndarray.types.Shape(1)), grid(), grid());
      assertClose("interpolated_position_embeddings", expected.get("interpolated_position_embeddings"), pos, 1e-5);
    }
  }

  @Test
  void modelOnlyFromStoredPixelValues() {
    try (NDManager m = manager.newSubManager()) {
      VisionTower tower = encoder.tower();
      NDArray h = tower.embeddings(expected.get("pixel_values_224").toNDArray(m));
      assertClose("model-only hidden_states.0", expected.get("hidden_states.0"), h, 1e-4);
      for (int i = 0; i < tower.depth(); i++) {
        h = tower.block(i, h);
        assertClose("model-only hidden_states." + (i + 1), expected.get("hidden_states." + (i + 1)), h, 1e-4);
      }
      assertClose("model-only last_hidden_state", expected.get("last_hidden_state"), tower.finalNorm(h), 1e-4);
      NDArray latent = LayerNorm.normalize(h, (float) config.layerNormEps()).get(":, " + config.prefixTokens() + ":, :");
      assertClose("model-only rae_latent", expected.get("rae_latent"), latent, 1e-4);
    }
  }

  @Test
  void endToEndFromPngs() {
    try (NDManager m = manager.newSubManager()) {
      NDArray u8 = Images.toNCHW(m, List.of(Images.read(Golden.file("dinov2_input0.png")),
          Images.read(Golden.file("dinov2_input1.png"))));
      assertClose("input_float_256", expected.get("input_float_256"), u8.toType(DataType.FLOAT32, false).div(255f), 1e-7);
      assertClose("pixel_values_224", expected.get("pixel_values_224"), encoder.preprocess(u8), 2e-4);
      Set<Integer> all = new HashSet<>();
      for (int i = 0; i <= encoder.depth(); i++) {
        all.add(i);
      }
      EncoderOutput out = encoder.encode(u8, all);
      for (int i = 0; i <= encoder.depth(); i++) {
        assertClose("hidden_states." + i, expected.get("hidden_states." + i), out.hiddenStates().get(i), 3e-4);
      }
      assertClose("last_hidden_state", expected.get("last_hidden_state"),
          encoder.tower().finalNorm(out.hiddenStates().get(encoder.depth())), 3e-4);
      assertClose("rae_latent", expected.get("rae_latent"), out.latent(), 3e-4);
    }
  }
}
