package io.decq.core.cli;

import io.decq.core.config.ConfigLoader;
import io.decq.core.config.DecqConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code decq config show|check FILE}: print the resolved config, or only validate it. */
@Command(
    name = "config",
    mixinStandardHelpOptions = true,
    description = "Show or check a YAML run configuration (defaults filled in, --set applied).",
    subcommands = {ConfigCommand.Show.class, ConfigCommand.Check.class})
public final class ConfigCommand implements Subcommand, Runnable {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  abstract static class Base {
    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "YAML config (omit for the defaults).")
    Path file;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one value (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    DecqConfig load() {
      return ConfigLoader.load(file, overrides);
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Print the resolved config as YAML.")
  static final class Show extends Base implements Callable<Integer> {
    @Override
    public Integer call() {
      spec.commandLine().getOut().print(ConfigLoader.toYaml(load()));
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(name = "check", mixinStandardHelpOptions = true, description = "Validate a config; exit 2 naming the bad key.")
  static final class Check extends Base implements Callable<Integer> {
    @Override
    public Integer call() {
      load();
      spec.commandLine().getOut().println((file == null ? "(defaults)" : file) + ": ok");
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
