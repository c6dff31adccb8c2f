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
    assertTrue(m.startsWith("pt_inception.pth: not a pytorch-fid FID-Inception state dict"), m);
    assertTrue(m.contains("1 missing key(s): Mixed_7c.branch_pool.bn.running_var"), m);
    assertTrue(m.contains("1 unexpected key(s): AuxLogits.fc.weight"), m);
    assertTrue(m.contains("1 wrong shape(s)/dtype(s): fc.bias [1000] (expected [1008])"), m);
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
    assertTrue(e.getMessage().contains("472 missing key(s): Conv2d_1a_3x3.conv.weight"), e.getMessage());
    assertTrue(e.getMessage().contains("(466 more)"), e.getMessage());
  }
}
