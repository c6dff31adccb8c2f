package io.decq.eval.fid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import io.decq.core.image.RgbImage;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * FID Inception-v3 against pytorch-fid (preprocessing {@code torch}) and torch-fidelity (preprocessing
 * {@code tf}) on the golden images (golden README section 3), with the recommended tolerances.
 */
@Tag("parity")
class FidInceptionParityTest {
  private static final double TOL_TORCH = 5e-4;
  private static final double TOL_TF = 1e-3;
  private static final double TOL_INPUT = 5e-5;

  private static FidInception net;
  private static Map<String, HostTensor> expected;
  private static List<RgbImage> images;

  @BeforeAll
  static void setUp() {
    net = FidInception.fromStateDict(FidGoldenWeights.stateDict(), "golden FID-Inception", Device.cpu());
    expected = SafeTensors.read(FidGoldenWeights.goldenDir().resolve("fid_inception_expected.safetensors"));
    images = FidGoldenWeights.inputImages();
  }

  @AfterAll
  static void tearDown() {
    net.close();
  }

  @Test
  void generatedWeightsMatchTheirChecksums() {
    for (FidGoldenWeights.Spec s : FidGoldenWeights.specs()) {
      float[] w = FidGoldenWeights.generate(s.seed(), s.bound(), Math.toIntExact(HostTensor.numel(s.shape())));
      double sum = 0;
      double sumSq = 0;
      for (float v : w) {
        sum += v;
        sumSq += (double) v * v;
      }
      assertEquals(s.checkSum(), sum, 1e-9 * Math.max(1, Math.abs(s.checkSum())), s.key() + " check_sum");
      assertEquals(s.checkSumSq(), sumSq, 1e-9 * s.checkSumSq(), s.key() + " check_sum_sq");
      assertEquals(s.last(), w[w.length - 1], 0f, s.key() + " last");
      for (int i = 0; i < 4; i++) {
        assertEquals(s.first4()[i], w[i], 0f, s.key() + " first4[" + i + "]");
      }
    }
  }

  @Test
  void stateDictKeysAreThoseOfPytorchFidInOrder() {
    List<String> golden = new ArrayList<>();
    for (JsonElement k : FidGoldenWeights.generatedJson().getAsJsonArray("state_dict_key_order")) {
      golden.add(k.getAsString());
    }
    assertEquals(golden, FidInception.stateDictKeys());
  }

  @Test
  void torchPreprocessingMatchesPytorchFid() {
    check(FidPreprocess.TORCH, "pytorch_fid", TOL_TORCH);
  }

  @Test
  void tfPreprocessingMatchesTorchFidelity() {
    check(FidPreprocess.TF, "torch_fidelity", TOL_TF);
  }

  private static void check(FidPreprocess preprocess, String ref, double tol) {
    try (NDManager m = net.manager().newSubManager()) {
      NDArray input = preprocess.batch(m, images); // (N, 3, 299, 299)
      double inputDiff = maxAbsDiff(input.get("0:1").toFloatArray(), expected.get(ref + ".input_299.img0"));
      InceptionFeatures f = net.features(input);
      report(ref, "input_299", inputDiff, TOL_INPUT);
      report(ref, "block0_mean", maxAbsDiff(f.block0Mean().toFloatArray(), expected.get(ref + ".block0_mean")), tol);
      report(ref, "block1_mean", maxAbsDiff(f.block1Mean().toFloatArray(), expected.get(ref + ".block1_mean")), tol);
      report(ref, "block2_mean", maxAbsDiff(f.block2Mean().toFloatArray(), expected.get(ref + ".block2_mean")), tol);
      report(ref, "pool3", maxAbsDiff(f.pool3().toFloatArray(), expected.get(ref + ".pool3")), tol);
      report(ref, "logits", maxAbsDiff(f.logits().toFloatArray(), expected.get(ref + ".logits")), tol);
      HostTensor unbiased = expected.get(ref + ".logits_unbiased");
      if (unbiased != null) {
        report(ref, "logits_unbiased", maxAbsDiff(f.logitsUnbiased().toFloatArray(), unbiased), tol);
      }
      assertEquals(images.size() * FidInception.SPATIAL_DIM, f.spatial().toFloatArray().length);
    }
  }

  private static void report(String ref, String name, double diff, double tol) {
    System.out.printf(Locale.ROOT, "FID-Inception %s %-16s max |diff| = %.3g (tolerance %.0e)%n", ref, name, diff, tol);
    assertTrue(diff <= tol, ref + "." + name + ": max |diff| " + diff + " > " + tol);
  }

  static double maxAbsDiff(float[] actual, HostTensor expected) {
    float[] e = expected.toFloats();
    assertEquals(e.length, actual.length, "sizes of " + Arrays.toString(expected.shape()));
    double max = 0;
    for (int i = 0; i < e.length; i++) {
      max = Math.max(max, Math.abs((double) actual[i] - e[i]));
    }
    return max;
  }
}
