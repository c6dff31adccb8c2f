package io.decq.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import io.decq.core.nn.NoGrad;
import io.decq.train.Tensors;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AdamW against torch.optim.AdamW (fixture from src-test-data/optim/make_adamw_fixture.py). */
class AdamWTest {
  private static final Path FIXTURE =
      Path.of(System.getProperty("decq.test.data", "src-test-data"), "optim", "adamw_torch.safetensors");

  @Test
  void matchesTorchAdamWWithParameterGroups() {
    SafeTensors.Contents f = SafeTensors.readWithMetadata(FIXTURE);
    Map<String, HostTensor> t = f.tensors();
    Map<String, String> meta = f.metadata();
    double[] lrs = t.get("lr").toDoubles();
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, Parameter> params = new LinkedHashMap<>();
      params.put("layer.weight", TestParams.param(m, "layer.weight", t.get("w0")));
      params.put("layer.bias", TestParams.param(m, "layer.bias", t.get("b0")));
      ParamGroups groups = new ParamGroups(List.of("*.bias"), false);
      double maxDiff = 0;
      try (AdamW opt = new AdamW(params, Double.parseDouble(meta.get("beta1")), Double.parseDouble(meta.get("beta2")),
          Double.parseDouble(meta.get("eps")), Double.parseDouble(meta.get("weight_decay")), groups, m)) {
        assertEquals(List.of("layer.weight"), opt.decayed());
        for (int step = 1; step <= 4; step++) {
          TestParams.setGradients(Map.of(
              params.get("layer.weight"), t.get("grad" + step + ".w"),
              params.get("layer.bias"), t.get("grad" + step + ".b")));
          opt.step(lrs[step - 1]);
          maxDiff = Math.max(maxDiff, maxAbsDiff(t.get("after" + step + ".w"), params.get("layer.weight")));
          maxDiff = Math.max(maxDiff, maxAbsDiff(t.get("after" + step + ".b"), params.get("layer.bias")));
        }
        Map<String, HostTensor> state = opt.state();
        for (String s : List.of("exp_avg", "exp_avg_sq")) {
          maxDiff = Math.max(maxDiff, maxAbsDiff(t.get(s + ".w").toFloats(), state.get("layer.weight." + s).toFloats()));
          maxDiff = Math.max(maxDiff, maxAbsDiff(t.get(s + ".b").toFloats(), state.get("layer.bias." + s).toFloats()));
        }
        assertEquals(4, opt.steps());
      }
      System.out.printf("AdamW vs torch %s: max |diff| %.3g over 4 steps%n", meta.get("torch"), maxDiff);
      assertTrue(maxDiff < 2e-6, "max abs difference to torch AdamW " + maxDiff);
    }
  }

  @Test
  void groupsDecideWhoDecays() {
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, Parameter> params = new LinkedHashMap<>();
      float[] ones = new float[6];
      Arrays.fill(ones, 1f);
      params.put("blocks.0.mlp.fc1.weight", TestParams.param(m, "blocks.0.mlp.fc1.weight", ones, 2, 3));
      params.put("blocks.0.norm1.weight", TestParams.param(m, "blocks.0.norm1.weight", ones, 6));
      params.put("cls_token", TestParams.param(m, "cls_token", ones, 1, 1, 6));
      ParamGroups groups = new ParamGroups(List.of("*cls_token*"), true);
      try (AdamW opt = new AdamW(params, 0.9, 0.95, 1e-8, 0.1, groups, m)) {
        Map<Parameter, HostTensor> zeroGrads = new LinkedHashMap<>();
        params.values().forEach(p -> zeroGrads.put(p, HostTensor.ofFloats(p.getArray().getShape().getShape(), new float[6])));
        TestParams.setGradients(zeroGrads);
        opt.step(0.5);
        // zero gradient: the Adam term is 0, so only decoupled decay moves a weight: 1 * (1 - 0.5 * 0.1)
        assertEquals(0.95f, params.get("blocks.0.mlp.fc1.weight").getArray().toFloatArray()[0], 1e-7);
        assertEquals(1f, params.get("blocks.0.norm1.weight").getArray().toFloatArray()[0]);
        assertEquals(1f, params.get("cls_token").getArray().toFloatArray()[0]);
      }
    }
  }

  @Test
  @SuppressWarnings("try")
  void stateRoundTripContinuesBitwise(@TempDir Path tmp) {
    Map<String, HostTensor> t = SafeTensors.read(FIXTURE);
    try (NDManager m = NDManager.newBaseManager()) {
      Parameter a = TestParams.param(m, "w", t.get("w0"));
      Parameter b = TestParams.zeros(m, "w", 5, 3);
      ParamGroups groups = new ParamGroups(List.of(), true);
      try (AdamW oa = new AdamW(Map.of("w", a), 0.9, 0.95, 1e-8, 0.01, groups, m);
          AdamW ob = new AdamW(Map.of("w", b), 0.9, 0.95, 1e-8, 0.01, groups, m)) {
        for (int s = 1; s <= 2; s++) {
          TestParams.setGradients(Map.of(a, t.get("grad" + s + ".w")));
          oa.step(1e-2);
        }
        Path file = tmp.resolve("optimizer.safetensors");
        SafeTensors.write(file, oa.state(), oa.metadata());
        SafeTensors.Contents saved = SafeTensors.readWithMetadata(file);
        ob.load(saved.tensors(), Long.parseLong(saved.metadata().get("step")), file);
        try (NoGrad ng = NoGrad.enter()) {
          Tensors.load(b.getArray(), HostTensor.of(a.getArray()), "w", file);
        }
        for (int s = 3; s <= 4; s++) {
          TestParams.setGradients(Map.of(a, t.get("grad" + s + ".w")));
          oa.step(1e-2);
          TestParams.setGradients(Map.of(b, t.get("grad" + s + ".w")));
          ob.step(1e-2);
        }
        assertArrayEquals(a.getArray().toByteArray(), b.getArray().toByteArray());
        assertEquals(oa.state(), ob.state());
        assertEquals(4, ob.steps());
      }
    }
  }

  private static double maxAbsDiff(HostTensor want, Parameter p) {
    return maxAbsDiff(want.toFloats(), p.getArray().toFloatArray());
  }

  private static double maxAbsDiff(float[] a, float[] b) {
    assertEquals(a.length, b.length);
    double d = 0;
    for (int i = 0; i < a.length; i++) {
      d = Math.max(d, Math.abs(a[i] - b[i]));
    }
    return d;
  }
}
