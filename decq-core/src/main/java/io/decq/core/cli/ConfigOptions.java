package io.decq.core.cli;

import io.decq.core.config.ConfigLoader;
import io.decq.core.config.DecqConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --config FILE} and repeatable {@code --set key.path=value} (a picocli mixin). */
public class ConfigOptions {
  @Option(names = "--config", paramLabel = "FILE", description = "YAML run configuration (see configs/reference.yaml).")
  public Path config;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Override one config value, e.g. --set train.max_steps=100 (repeatable).")
  public List<String> overrides = new ArrayList<>();

  /** The resolved, validated config (defaults where the file is silent). */
  public DecqConfig load() {
    return ConfigLoader.load(config, overrides);
  }

  /** {@link #load()} with {@code --seed} (when given) as the last override of {@code train.seed}. */
  public DecqConfig load(CommonOptions common) {
    List<String> all = new ArrayList<>(overrides);
    if (common.seed != null) {
      all.add("train.seed=" + common.seed);
    }
    return ConfigLoader.load(config, all);
  }
}
