package io.decq.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GradientsTest {
  private static final Path FIXTURE =
      Path.of(System.getProperty("decq.test.data", "src-test-data"), "optim", "adamw_torch.safetensors");

  @Test
  void clipScalesToTheMaxNormAndReturnsThePreClipNorm() {
    float[] g1 = {3f, -4f, 1f, 2f};
    float[] g2 = {0.5f, -2f, 6f};
    double want = 0;
    for (float v : g1) {
      want += (double) v * v;
    }
    for (float v : g2) {
      want += (double) v * v;
    }
    want = Math.sqrt(want);
    try (NDManager m = NDManager.newBaseManager()) {
      Parameter a = TestParams.zeros(m, "a", 2, 2);
      Parameter b = TestParams.zeros(m, "b", 3);
      Map<Parameter, HostTensor> grads = new LinkedHashMap<>();
      grads.put(a, HostTensor.ofFloats(new long[] {2, 2}, g1));
      grads.put(b, HostTensor.ofFloats(new long[] {3}, g2));
      TestParams.setGradients(grads);
      List<Parameter> ps = List.of(a, b);
      assertEquals(want, Gradients.globalNorm(ps), 1e-5 * want);

      assertEquals(want, Gradients.clipGlobalNorm(ps, 100.0), 1e-5 * want, "returns the norm");
      assertArrayEquals(g1, TestParams.grad(a), "below the limit nothing changes");

      double before = Gradients.clipGlobalNorm(ps, 2.0);
      assertEquals(want, before, 1e-5 * want, "returns the pre-clip norm");
      assertEquals(2.0, Gradients.globalNorm(ps), 1e-5, "norm after clipping");
      float[] ga = TestParams.grad(a);
      for (int i = 0; i < g1.length; i++) {
        assertEquals(g1[i] * 2.0 / (want + 1e-6), ga[i], 1e-6, "direction kept");
      }
      Gradients.zero(ps);
      assertEquals(0.0, Gradients.globalNorm(ps));
    }
  }

  @Test
  void matchesTorchClipGradNorm() {
    SafeTensors.Contents f = SafeTensors.readWithMetadata(FIXTURE);
    Map<String, HostTensor> t = f.tensors();
    try (NDManager m = NDManager.newBaseManager()) {
      Parameter w = TestParams.zeros(m, "w", 5, 3);
      Parameter b = TestParams.zeros(m, "b", 3);
      Map<Parameter, HostTensor> grads = new LinkedHashMap<>();
      grads.put(w, t.get("grad1.w"));
      grads.put(b, t.get("grad1.b"));
      TestParams.setGradients(grads);
      double norm = Gradients.clipGlobalNorm(List.of(w, b), Double.parseDouble(f.metadata().get("clip")));
      assertEquals(t.get("clip.norm").toDoubles()[0], norm, 1e-6);
      assertArrayEquals(t.get("clip.w").toFloats(), TestParams.grad(w), 1e-7f);
      assertArrayEquals(t.get("clip.b").toFloats(), TestParams.grad(b), 1e-7f);
    }
  }
}
