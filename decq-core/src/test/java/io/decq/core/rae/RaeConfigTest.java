package io.decq.core.rae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.decq.core.config.ConfigException;
import io.decq.core.config.ConfigLoader;
import io.decq.core.config.DecoderConfig;
import io.decq.core.config.DecoderPreset;
import io.decq.core.config.DecqConfig;
import io.decq.core.config.NoiseMode;
import io.decq.core.config.QueriesConfig;
import io.decq.core.config.TransformerSize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The queries: and decoder: config sections: defaults and validation messages (ReferenceConfigTest checks the reference YAML). */
class RaeConfigTest {
  static DecqConfig load(Path tmp, String yaml) throws Exception {
    Path f = tmp.resolve("c.yaml");
    Files.writeString(f, yaml);
    return ConfigLoader.load(f, List.of());
  }

  @Test
  void defaultsAreThePaperRecipe() {
    QueriesConfig q = QueriesConfig.defaults();
    assertEquals(8, q.count());
    assertEquals(List.of(0, 3, 6, 9), q.taps());
    DecoderConfig d = DecoderConfig.defaults();
    assertEquals(DecoderPreset.VIT_XL, d.preset());
    assertEquals(new TransformerSize(1152, 28, 16, 4096), d.preset().size());
    assertEquals(0.8, d.noiseTau());
    assertEquals(NoiseMode.UNIFORM, d.noiseMode());
  }

  @Test
  void presetsAndModesBindByName(@TempDir Path tmp) throws Exception {
    DecqConfig c = load(tmp, "decoder:\n  preset: vit-b\n  noise_mode: half-normal\nqueries:\n  count: 0\n  taps: []\n");
    assertEquals(DecoderPreset.VIT_B, c.decoder().preset());
    assertEquals(NoiseMode.HALF_NORMAL, c.decoder().noiseMode());
    assertEquals(0, c.queries().count());
  }

  @Test
  void badValuesFailNamingTheKey(@TempDir Path tmp) {
    ConfigException preset = assertThrows(ConfigException.class, () -> load(tmp, "decoder:\n  preset: vit-q\n"));
    assertTrue(preset.getMessage().contains("decoder.preset: must be one of vit-b, vit-l, vit-xl, tiny, small, got 'vit-q'"),
        preset.getMessage());
    ConfigException noTaps = assertThrows(ConfigException.class, () -> load(tmp, "queries:\n  count: 8\n  taps: []\n"));
    assertTrue(noTaps.getMessage().contains("queries.taps: must name at least one encoder hidden-state index"),
        noTaps.getMessage());
    ConfigException order = assertThrows(ConfigException.class, () -> load(tmp, "queries:\n  taps: [3, 3]\n"));
    assertTrue(order.getMessage().contains("queries.taps: must be strictly increasing"), order.getMessage());
    ConfigException negative = assertThrows(ConfigException.class, () -> load(tmp, "queries:\n  count: -1\n"));
    assertTrue(negative.getMessage().contains("queries.count: must be >= 0"), negative.getMessage());
    ConfigException dropout = assertThrows(ConfigException.class, () -> load(tmp, "decoder:\n  query_dropout: 1.5\n"));
    assertTrue(dropout.getMessage().contains("decoder.query_dropout: must be in [0.0, 1.0]"), dropout.getMessage());
    ConfigException tau = assertThrows(ConfigException.class, () -> load(tmp, "decoder:\n  noise_tau: -0.1\n"));
    assertTrue(tau.getMessage().contains("decoder.noise_tau: must be >= 0.0"), tau.getMessage());
  }
}
