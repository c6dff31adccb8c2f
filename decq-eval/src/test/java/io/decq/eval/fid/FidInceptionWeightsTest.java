package io.decq.eval.fid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.decq.core.error.BadInputException;
import io.decq.core.io.HostTensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Loading FID-Inception state dicts: every key problem reported at once; BatchNorm counters ignored. */
class FidInceptionWeightsTest {
  @Test
  void missingUnexpectedAndMisshapenKeysAreReportedTogether() {
    Map<String, HostTensor> state = new LinkedHashMap<>(FidGoldenWeights.stateDict());
    state.remove("Mixed_7c.branch_pool.bn.running_var");
    state.put("AuxLogits.fc.weight", HostTensor.ofFloats(new long[] {1}, new float[] {0}));
    state.put("fc.bias", HostTensor.ofFloats(new long[] {1000}, new float[1000]));
    BadInputException e = assertThrows(BadInputException.class,
        () -> FidInception.fromStateDict(state, "pt_inception.pth", Device.cpu()));
    String m = e.getMessage();
    assertTrue(m.startsWith("pt_inception.pth: weights do not fit pytorch-fid's FID Inception"), m);
    assertTrue(m.contains("missing keys (1): Mixed_7c.branch_pool.bn.running_var"), m);
    assertTrue(m.contains("unexpected keys (1): AuxLogits.fc.weight"), m);
    assertTrue(m.contains("shape mismatches (1): fc.bias [1000] (expected [1008])"), m);
    assertEquals(1, m.lines().count());
  }

  @Test
  void batchNormCountersAreIgnored() {
    Map<String, HostTensor> state = new LinkedHashMap<>(FidGoldenWeights.stateDict());
    state.put("Conv2d_1a_3x3.bn.num_batches_tracked", HostTensor.ofLongs(new long[] {}, new long[] {0}));
    try (FidInception net = FidInception.fromStateDict(state, "with counters", Device.cpu())) {
      assertEquals(Device.cpu(), net.device());
    }
  }

  @Test
  void anEmptyFileListsHowManyKeysAreMissing() {
    BadInputException e = assertThrows(BadInputException.class,
        () -> FidInception.fromStateDict(Map.of(), "empty.safetensors", Device.cpu()));
    assertTrue(e.getMessage().contains("missing keys (472): Conv2d_1a_3x3.conv.weight"), e.getMessage());
    assertTrue(e.getMessage().contains("(464 more)"), e.getMessage());
  }

  @Test
  void randomWeightsAreSeededAndGiveSpreadFeatures() {
    float[][] f = new float[3][];
    long[] seeds = {0, 0, 1};
    for (int k = 0; k < 3; k++) {
      try (FidInception net = FidInception.load(java.nio.file.Path.of("random:" + seeds[k]), Device.cpu());
          ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager(Device.cpu())) {
        float n = 2f * 3 * 299 * 299;
        ai.djl.ndarray.NDArray x = m.arange(n).reshape(2, 3, 299, 299).div(n).mul(2).sub(1); // a ramp in [-1, 1)
        f[k] = net.features(x).pool3().toFloatArray();
      }
    }
    assertTrue(java.util.Arrays.equals(f[0], f[1]), "same seed, same features");
    assertTrue(!java.util.Arrays.equals(f[0], f[2]), "another seed, other features");
    double sum = 0;
    double sq = 0;
    for (float v : f[0]) {
      assertTrue(Float.isFinite(v));
      sum += v;
      sq += v * v;
    }
    double mean = sum / f[0].length;
    assertTrue(sq / f[0].length - mean * mean > 1e-8, "features vary");
    assertTrue(FidInception.isRandom(java.nio.file.Path.of("random:7")));
    assertTrue(!FidInception.isRandom(java.nio.file.Path.of("weights/random.pth")));
  }
}
