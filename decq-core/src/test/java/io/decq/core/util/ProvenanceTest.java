package io.decq.core.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

/** A run's provenance records whether its float32 matmuls ran in TF32: only on a GPU with the override set to 1. */
class ProvenanceTest {
  @Test
  void tf32OnlyOnGpuWithTheOverride() {
    assertEquals(true, Provenance.ofRun(0, Device.gpu(), "1").get("tf32"));
    assertEquals(false, Provenance.ofRun(0, Device.gpu(), null).get("tf32"));
    assertEquals(false, Provenance.ofRun(0, Device.gpu(), "0").get("tf32"));
    assertEquals(false, Provenance.ofRun(0, Device.cpu(), "1").get("tf32"), "cuBLAS is not used on the CPU");
  }
}
