package io.decq.core.run;

import io.decq.core.config.ConfigLoader;
import io.decq.core.config.DecqConfig;
import io.decq.core.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The layout of one training run's output folder ({@code --out DIR}):
 *
 * <pre>
 *   DIR/config.yaml                          the resolved config (every key)
 *   DIR/metrics.jsonl                        one JSON object per logged step
 *   DIR/checkpoints/step-NNNNNNN/            model, ema, optimizer .safetensors + state.json
 *   DIR/checkpoints/latest                   the name of the newest complete checkpoint
 *   DIR/previews/step-NNNNNNN.png            preview grids
 * </pre>
 */
public final class RunDirectory {
  static final Pattern STEP_DIR = Pattern.compile("step-(\\d{7,})");

  private final Path root;

  public RunDirectory(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  public Path root() {
    return root;
  }

  public Path configFile() {
    return root.resolve("config.yaml");
  }

  public Path metricsFile() {
    return root.resolve(Metrics.FILE);
  }

  public Path checkpointsDir() {
    return root.resolve("checkpoints");
  }

  public Path latestPointer() {
    return checkpointsDir().resolve("latest");
  }

  public Path previewsDir() {
    return root.resolve("previews");
  }

  /** {@code step-0000042}: seven digits, more when the step needs them. */
  public static String stepName(long step) {
    return String.format(Locale.ROOT, "step-%07d", step);
  }

  public Path checkpointDir(long step) {
    return checkpointsDir().resolve(stepName(step));
  }

  public Path previewFile(long step) {
    return previewsDir().resolve(stepName(step) + ".png");
  }

  /** The step of a {@code step-NNNNNNN} folder name, or -1. */
  public static long stepOf(Path dir) {
    Matcher m = STEP_DIR.matcher(dir.getFileName().toString());
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }

  /** The checkpoint folders present, by increasing step. */
  public List<Path> checkpoints() {
    return checkpointsIn(checkpointsDir());
  }

  /** The {@code step-NNNNNNN} folders directly inside {@code dir}, by increasing step. */
  public static List<Path> checkpointsIn(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> out = new ArrayList<>(s.filter(Files::isDirectory).filter(p -> stepOf(p) >= 0).toList());
      out.sort(Comparator.comparingLong(RunDirectory::stepOf));
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether a run already wrote checkpoints or metrics here. */
  public boolean holdsRun() {
    try {
      return Files.exists(latestPointer()) || !checkpoints().isEmpty()
          || (Files.exists(metricsFile()) && Files.size(metricsFile()) > 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes {@code config.yaml} (atomically). */
  public void writeConfig(DecqConfig config) {
    AtomicFiles.writeString(configFile(),
        "# Resolved configuration of this run (every key; see configs/reference.yaml).\n" + ConfigLoader.toYaml(config));
  }

  @Override
  public String toString() {
    return root.toString();
  }
}
