package io.decq.core.loss;

import static io.decq.core.loss.LossGolden.assertClose;
import static io.decq.core.loss.LossGolden.assertRelL2;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.decq.core.error.BadInputException;
import io.decq.core.io.HostTensor;
import io.decq.core.io.WeightFiles;
import io.decq.core.nn.DecqBlock;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * LPIPS (VGG16, v0.1, RAE's vendored copy) against the golden case's {@code lpips/} (README section 1):
 * distances and per-layer terms within abs 1e-6, the gradient of the batch mean into the second image
 * within rel-L2 1e-2 (the README's recommendations). Weights come in the real files' formats: the F16
 * trunk widened to float32 and the lin layers from the legacy CUDA-saved {@code .pth}.
 */
@Tag("parity")
class LpipsParityTest {
  static Lpips lpips;
  static Map<String, HostTensor> inputs;
  static Map<String, HostTensor> expected;
  static NDManager manager;

  @BeforeAll
  static void load() {
    lpips = Lpips.load(LossGolden.file("lpips/vgg16_features.f16.safetensors"), LossGolden.file("lpips/lpips_v0.1_vgg_lin.pth"),
        Device.cpu());
    inputs = LossGolden.tensors("lpips/inputs.safetensors");
    expected = LossGolden.tensors("lpips/expected.safetensors");
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
    lpips.close();
  }

  @Test
  void distancesAndPerLayerTerms() {
    try (NDManager m = manager.newSubManager()) {
      NDArray in0 = inputs.get("in0").toNDArray(m);
      NDArray in1 = inputs.get("in1").toNDArray(m);
      NDArray perLayer = lpips.perLayer(in0, in1);
      assertClose("lpips per_layer", expected.get("per_layer"), perLayer, 1e-6);
      assertClose("lpips dist", expected.get("dist"), lpips.distances(in0, in1), 1e-6);
      assertClose("lpips mean", expected.get("mean").toDoubles()[0], lpips.forward(in0, in1).getFloat(), 1e-6);
      assertClose("lpips symmetric", expected.get("dist"), lpips.distances(in1, in0), 1e-6);
    }
  }

  @Test
  void gradientIntoSecondImageAndFrozenWeights() {
    Map<String, HostTensor> before = lpips.stateDict();
    try (NDManager m = manager.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray in0 = inputs.get("in0").toNDArray(m);
      NDArray in1 = inputs.get("in1").toNDArray(m);
      in1.setRequiresGradient(true);
      // A stand-in trainable parameter next to LPIPS, updated like an optimizer would.
      NDArray other = m.ones(new ai.djl.ndarray.types.Shape(1));
      other.setRequiresGradient(true);
      gc.backward(lpips.forward(in0, in1.mul(other)));
      assertRelL2("lpips grad_mean_wrt_in1", expected.get("grad_mean_wrt_in1"), in1.getGradient(), 1e-2);
      DecqBlock.assign(other, other.sub(other.getGradient().mul(0.1f)));
      assertTrue(other.getFloat() != 1f, "the stand-in parameter was not updated");
    }
    Map<String, HostTensor> after = lpips.stateDict();
    assertEquals(before.keySet(), after.keySet());
    for (String k : before.keySet()) {
      assertEquals(before.get(k), after.get(k), k + " changed");
    }
  }

  @Test
  void weightFileFormatsAgree() {
    Map<String, HostTensor> linPth = WeightFiles.read(LossGolden.file("lpips/lpips_v0.1_vgg_lin.pth"));
    Map<String, HostTensor> linSt = WeightFiles.read(LossGolden.file("lpips/lpips_v0.1_vgg_lin.safetensors"));
    assertEquals(linSt, linPth);
    Map<String, HostTensor> subset = WeightFiles.read(LossGolden.file("lpips/vgg16_torchvision_format_subset.pth"));
    Map<String, HostTensor> f16 = WeightFiles.read(LossGolden.file("lpips/vgg16_features.f16.safetensors"));
    assertEquals(4, subset.size());
    for (Map.Entry<String, HostTensor> e : subset.entrySet()) {
      HostTensor half = f16.get(e.getKey());
      assertArrayEquals(half.shape(), e.getValue().shape(), e.getKey());
      assertArrayEquals(half.toFloats(), e.getValue().toFloats(), e.getKey() + ": F16 upcast != .pth float32");
    }
  }

  @Test
  void trunkMissingLayersFailsOnceNamingThem() {
    Path subset = LossGolden.file("lpips/vgg16_torchvision_format_subset.pth");
    BadInputException e = assertThrows(BadInputException.class,
        () -> Lpips.load(subset, LossGolden.file("lpips/lpips_v0.1_vgg_lin.safetensors"), Device.cpu()));
    String msg = e.getMessage();
    assertTrue(msg.contains(subset.toString()), msg);
    assertTrue(msg.contains("missing keys (22)"), msg);
    assertTrue(msg.contains("features.5.weight") && msg.contains("features.5.bias"), msg);
  }
}
