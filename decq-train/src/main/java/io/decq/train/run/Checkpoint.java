package io.decq.train.run;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.ToNumberPolicy;
import io.decq.core.error.BadInputException;
import io.decq.core.config.ConfigBinder;
import io.decq.core.config.DecqConfig;
import io.decq.core.io.AtomicFiles;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import io.decq.train.data.DataPosition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One checkpoint folder {@code checkpoints/step-NNNNNNN/}:
 *
 * <pre>
 *   model.safetensors      trainable weights by parameter name (+ any extra model tensors)
 *   ema.safetensors        their exponential moving average, same names
 *   optimizer.safetensors  NAME.exp_avg, NAME.exp_avg_sq; metadata: optimizer, step, hyper-parameters
 *   state.json             step, epoch, data position, RNG scheme, resolved config, provenance
 * </pre>
 *
 * Written atomically: everything goes into a hidden temporary folder beside it, which is renamed into
 * place; then {@code checkpoints/latest} is rewritten (atomically) to name it, and old checkpoints
 * beyond {@code keep_last} are deleted.
 */
public final class Checkpoint {
  public static final String MODEL = "model.safetensors";
  public static final String EMA = "ema.safetensors";
  public static final String OPTIMIZER = "optimizer.safetensors";
  public static final String STATE = "state.json";
  public static final List<String> FILES = List.of(MODEL, EMA, OPTIMIZER, STATE);
  /** The {@code format} value of state.json. */
  public static final String FORMAT = "decq-checkpoint-1";

  private static final Logger LOG = LoggerFactory.getLogger(Checkpoint.class);
  private static final Gson GSON =
      new GsonBuilder().setPrettyPrinting().serializeNulls().serializeSpecialFloatingPointValues().disableHtmlEscaping().create();

  private final Path dir;
  private final JsonObject state;

  private Checkpoint(Path dir, JsonObject state) {
    this.dir = dir;
    this.state = state;
  }

  /** What one checkpoint holds, ready to write. */
  public record Contents(
      Map<String, HostTensor> model,
      Map<String, HostTensor> ema,
      Map<String, HostTensor> optimizer,
      Map<String, String> optimizerMetadata,
      JsonObject state) {}

  /**
   * Writes checkpoint {@code step} of {@code run} atomically, points {@code latest} at it and deletes all
   * but the newest {@code keepLast} checkpoints (0 keeps all). Returns its folder.
   */
  public static Path write(RunDirectory run, long step, Contents c, int keepLast) {
    Path target = run.checkpointDir(step);
    Path tmp = run.checkpointsDir().resolve(".tmp-" + target.getFileName() + "-" + System.nanoTime());
    Map<String, String> meta = Map.of("format", FORMAT, "step", Long.toString(step));
    try {
      Files.createDirectories(tmp);
      SafeTensors.write(tmp.resolve(MODEL), c.model(), meta);
      SafeTensors.write(tmp.resolve(EMA), c.ema(), meta);
      SafeTensors.write(tmp.resolve(OPTIMIZER), c.optimizer(), c.optimizerMetadata());
      AtomicFiles.writeString(tmp.resolve(STATE), GSON.toJson(c.state()) + "\n");
      if (Files.exists(target)) {
        Path old = run.checkpointsDir().resolve(".old-" + target.getFileName() + "-" + System.nanoTime());
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        AtomicFiles.move(tmp, target);
        deleteTree(old);
      } else {
        AtomicFiles.move(tmp, target);
      }
      AtomicFiles.writeString(run.latestPointer(), target.getFileName() + "\n");
      prune(run, target, keepLast);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write checkpoint " + target + ": " + e.getMessage(), e);
    } finally {
      deleteTree(tmp);
    }
  }

  private static void prune(RunDirectory run, Path keep, int keepLast) throws IOException {
    List<Path> all = run.checkpoints();
    if (keepLast > 0) {
      for (int i = 0; i < all.size() - keepLast; i++) {
        if (!all.get(i).equals(keep)) {
          deleteTree(all.get(i));
        }
      }
    }
    try (Stream<Path> s = Files.list(run.checkpointsDir())) {
      for (Path p : s.toList()) {
        String n = p.getFileName().toString();
        if (n.startsWith(".tmp-step-") || n.startsWith(".old-step-")) {
          deleteTree(p);
        }
      }
    }
  }

  /**
   * The checkpoint that {@code --resume PATH} names: a checkpoint folder (holding state.json), a run
   * directory (its {@code checkpoints/latest}), or a run's {@code checkpoints} folder.
   *
   * @throws BadInputException naming the path when it holds no usable checkpoint
   */
  public static Checkpoint resolve(Path path) {
    return resolve(path, "--resume");
  }

  /**
   * {@link #resolve(Path)} for a command whose option {@code option} (e.g. {@code --checkpoint}) names
   * the path; messages start with the option and the path.
   */
  public static Checkpoint resolve(Path path, String option) {
    String where = option + " " + path;
    if (!Files.exists(path)) {
      throw new BadInputException(where + ": not found");
    }
    if (!Files.isDirectory(path)) {
      throw new BadInputException(where + ": not a folder (expected a run directory or a checkpoints/step-NNNNNNN folder)");
    }
    Path dir;
    if (Files.exists(path.resolve(STATE))) {
      dir = path;
    } else {
      Path checkpoints = Files.isDirectory(path.resolve("checkpoints")) ? path.resolve("checkpoints") : path;
      Path latest = checkpoints.resolve("latest");
      if (Files.exists(latest)) {
        String name = readString(latest).trim();
        dir = checkpoints.resolve(name);
        if (name.isEmpty() || !Files.isDirectory(dir)) {
          throw new BadInputException(where + ": " + latest + " names '" + name + "', which is not a checkpoint folder there");
        }
      } else {
        List<Path> found = RunDirectory.checkpointsIn(checkpoints);
        if (found.isEmpty()) {
          throw new BadInputException(where + ": not a run directory or checkpoint (no state.json, no checkpoints/latest)");
        }
        dir = found.get(found.size() - 1);
        LOG.warn("{}: no checkpoints/latest; using the newest checkpoint folder {}", where, dir.getFileName());
      }
    }
    return open(dir, where);
  }

  /** Opens the checkpoint folder {@code dir}, checking that it is complete; {@code where} prefixes errors. */
  static Checkpoint open(Path dir, String where) {
    for (String f : FILES) {
      if (!Files.isRegularFile(dir.resolve(f))) {
        throw new BadInputException(where + ": checkpoint " + dir + " is incomplete: " + f + " is missing");
      }
    }
    Path stateFile = dir.resolve(STATE);
    JsonObject state;
    try {
      JsonElement e = JsonParser.parseString(readString(stateFile));
      if (!e.isJsonObject()) {
        throw new BadInputException(where + ": " + stateFile + " is not a JSON object (corrupt checkpoint)");
      }
      state = e.getAsJsonObject();
    } catch (JsonParseException e) {
      throw new BadInputException(where + ": " + stateFile + " is not valid JSON (corrupt checkpoint): " + e.getMessage());
    }
    for (String key : List.of("format", "step", "data_position", "optimizer_step")) {
      if (!state.has(key)) {
        throw new BadInputException(where + ": " + stateFile + " has no '" + key + "' (corrupt, or not a DecQ checkpoint)");
      }
    }
    if (!FORMAT.equals(state.get("format").getAsString())) {
      throw new BadInputException(where + ": " + stateFile + " has format '" + state.get("format").getAsString()
          + "', expected '" + FORMAT + "'");
    }
    Checkpoint c = new Checkpoint(dir.toAbsolutePath().normalize(), state);
    try {
      c.step();
      c.optimizerStep();
      c.dataPosition();
    } catch (RuntimeException e) {
      throw new BadInputException(where + ": " + stateFile + " has a malformed step or data_position (corrupt checkpoint): " + e.getMessage());
    }
    return c;
  }

  /** The checkpoint folder. */
  public Path dir() {
    return dir;
  }

  /** The run directory it belongs to (the parent of its {@code checkpoints} folder), or null. */
  public Path runDir() {
    Path parent = dir.getParent();
    return parent != null && parent.getFileName().toString().equals("checkpoints") ? parent.getParent() : null;
  }

  /** The optimizer steps done when it was written. */
  public long step() {
    return state.get("step").getAsLong();
  }

  /** The optimizer's own step count (t of Adam's bias correction). */
  public long optimizerStep() {
    return state.get("optimizer_step").getAsLong();
  }

  /** Where the data stream stood. */
  public DataPosition dataPosition() {
    JsonObject p = state.getAsJsonObject("data_position");
    return new DataPosition(p.get("epoch").getAsLong(), p.get("index").getAsLong());
  }

  /** The whole state.json. */
  public JsonObject state() {
    return state.deepCopy();
  }

  /**
   * The resolved config the run was trained with (state.json's {@code config}), bound and validated
   * like a config file.
   *
   * @throws BadInputException when state.json has no config or it no longer validates
   */
  public DecqConfig config() {
    JsonElement tree = state.get("config");
    if (tree == null || !tree.isJsonObject()) {
      throw new BadInputException(dir.resolve(STATE) + ": has no 'config' object (not written by a DecQ trainer?)");
    }
    // Integers stay integers (a long seed would lose digits as a double).
    Map<?, ?> map = new GsonBuilder().setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE).create().fromJson(tree, Map.class);
    String source = dir.resolve(STATE) + " config";
    return ConfigBinder.bind(DecqConfig.class, map, path -> source);
  }

  /** The trainable weights. */
  public Map<String, HostTensor> model() {
    return SafeTensors.read(dir.resolve(MODEL));
  }

  /** The EMA weights. */
  public Map<String, HostTensor> ema() {
    return SafeTensors.read(dir.resolve(EMA));
  }

  /** The optimizer state. */
  public Map<String, HostTensor> optimizer() {
    return SafeTensors.read(dir.resolve(OPTIMIZER));
  }

  private static String readString(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new BadInputException(file + ": not found");
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read: " + e.getMessage());
    }
  }

  private static void deleteTree(Path p) {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + p + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return dir.toString();
  }
}
