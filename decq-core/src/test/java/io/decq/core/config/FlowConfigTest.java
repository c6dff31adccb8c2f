package io.decq.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.decq.core.error.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code flow} section from YAML: enums, the auto-or-number shift, the interval, and bad values. */
class FlowConfigTest {
  @TempDir Path tmp;

  private FlowConfig load(String yaml, String... sets) throws IOException {
    Path p = tmp.resolve("run.yaml");
    Files.writeString(p, yaml);
    return ConfigLoader.load(p, List.of(sets)).flow();
  }

  private String fails(String yaml, String... sets) {
    return assertThrows(BadInputException.class, () -> load(yaml, sets)).getMessage();
  }

  @Test
  void valuesBind() throws IOException {
    assertEquals(FlowConfig.defaults(), load("flow: {}\n"));
    FlowConfig f = load("flow:\n  time_dist: uniform\n  shift: 6.5\n  sampler: heun\n  steps: 25\n"
        + "  cfg_scale: 1.5\n  cfg_interval: [0, 0.7]\n  lambda_q: 0.5\n");
    assertEquals(FlowConfig.TimeDist.UNIFORM, f.timeDist());
    assertEquals("6.5", f.shift());
    assertEquals(FlowConfig.Sampler.HEUN, f.sampler());
    assertEquals(25, f.steps());
    assertEquals(1.5, f.cfgScale());
    assertEquals(List.of(0.0, 0.7), f.cfgInterval());
    assertEquals(0.5, f.lambdaQ());
    assertEquals(FlowConfig.TimeDist.LOGIT_NORMAL, load("flow:\n  time_dist: logit-normal\n").timeDist());
    assertEquals("auto", load("flow: {}\n", "flow.shift=auto").shift());
  }

  @Test
  void badValuesNameTheKey() {
    assertTrue(fails("flow:\n  shift: fast\n").contains("flow.shift: must be auto or a number >= 1"));
    assertTrue(fails("flow:\n  shift: 0.5\n").contains("flow.shift"));
    assertTrue(fails("flow:\n  sampler: rk4\n").contains("flow.sampler: must be one of euler, heun"));
    assertTrue(fails("flow:\n  time_dist: normal\n").contains("flow.time_dist"));
    assertTrue(fails("flow:\n  steps: 1\n").contains("flow.steps"));
    assertTrue(fails("flow:\n  cfg_interval: [0.8, 0.2]\n").contains("flow.cfg_interval"));
    assertTrue(fails("flow:\n  cfg_interval: [0.5]\n").contains("flow.cfg_interval"));
    assertTrue(fails("flow:\n  cfg_scale: 0\n").contains("flow.cfg_scale"));
    assertTrue(fails("flow:\n  lambda_q: -1\n").contains("flow.lambda_q"));
  }
}
