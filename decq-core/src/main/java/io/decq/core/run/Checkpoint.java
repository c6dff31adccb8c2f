package io.decq.core.run;

import io.decq.core.config.ConfigBinder;
import io.decq.core.config.DecqConfig;
import io.decq.core.error.BadInputException;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One checkpoint folder {@code checkpoints/step-NNNNNNN/} of a training run, opened for reading:
 *
 * <pre>
 *   model.safetensors      the model's state tensors by name: trainable weights, running statistics,
 *                          fixed tables
 *   ema.safetensors        the same names, the trainable weights replaced by their moving average
 *   optimizer.safetensors  NAME.exp_avg, NAME.exp_avg_sq; metadata: optimizer, step, hyper-parameters
 *   NAME.safetensors       the weights of each further trained part NAME (e.g. a GAN discriminator)
 *   optimizer-NAME.safetensors  its optimizer state, as optimizer.safetensors
 *   state.json             {@link CheckpointState}: step, data position, RNG scheme, resolved config, provenance
 * </pre>
 *
 * The trainer's checkpoint writer (decq-train) writes them atomically and points {@code
 * checkpoints/latest} at the newest.
 */
public final class Checkpoint {
  public static final String MODEL = "model.safetensors";
  public static final String EMA = "ema.safetensors";
  public static final String OPTIMIZER = "optimizer.safetensors";
  public static final String STATE = "state.json";
  /** The files every checkpoint holds. */
  public static final List<String> FILES = List.of(MODEL, EMA, OPTIMIZER, STATE);
  /** The {@code format} value of state.json. */
  public static final String FORMAT = "decq-checkpoint-1";

  private static final Logger LOG = LoggerFactory.getLogger(Checkpoint.class);

  private final Path dir;
  private final CheckpointState state;

  private Checkpoint(Path dir, CheckpointState state) {
    this.dir = dir;
    this.state = state;
  }

  /** The optimizer file of the further trained part {@code name}: {@code optimizer-NAME.safetensors}. */
  public static String optimizerFile(String name) {
    return "optimizer-" + name + ".safetensors";
  }

  /** The weights file of the further trained part {@code name}: {@code NAME.safetensors}. */
  public static String weightsFile(String name) {
    return name + ".safetensors";
  }

  /**
   * The checkpoint {@code path} names: a checkpoint folder (holding state.json), a run directory (its
   * {@code checkpoints/latest}), or a run's {@code checkpoints} folder.
   *
   * @throws BadInputException naming the path when it holds no usable checkpoint
   */
  public static Checkpoint resolve(Path path) {
    return resolve(path, "checkpoint");
  }

  /**
   * {@link #resolve(Path)} with messages that start with {@code what} and the path (a caller passes the
   * name its user knows the path by, e.g. the option that gave it).
   */
  public static Checkpoint resolve(Path path, String what) {
    String where = what + " " + path;
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
    CheckpointState state = CheckpointState.parse(readString(stateFile), where + ": " + stateFile);
    for (String name : state.extraOptimizerSteps().keySet()) {
      for (String f : List.of(weightsFile(name), optimizerFile(name))) {
        if (!Files.isRegularFile(dir.resolve(f))) {
          throw new BadInputException(where + ": checkpoint " + dir + " is incomplete: " + f + " is missing");
        }
      }
    }
    return new Checkpoint(dir.toAbsolutePath().normalize(), state);
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
    return state.step();
  }

  /** Its state.json. */
  public CheckpointState state() {
    return state;
  }

  /**
   * The resolved config the run was trained with (state.json's {@code config}), bound and validated
   * like a config file.
   *
   * @throws BadInputException when state.json has no config or it no longer validates
   */
  public DecqConfig config() {
    if (state.config() == null) {
      throw new BadInputException(dir.resolve(STATE) + ": has no 'config' object (not written by a DecQ trainer?)");
    }
    String source = dir.resolve(STATE) + " config";
    return ConfigBinder.bind(DecqConfig.class, state.config(), path -> source);
  }

  /** The model's state tensors (trainable weights, running statistics, fixed tables). */
  public Map<String, HostTensor> model() {
    return SafeTensors.read(dir.resolve(MODEL));
  }

  /** The EMA weights. */
  public Map<String, HostTensor> ema() {
    return SafeTensors.read(dir.resolve(EMA));
  }

  /** The main optimizer's state. */
  public Map<String, HostTensor> optimizer() {
    return SafeTensors.read(dir.resolve(OPTIMIZER));
  }

  /** The optimizer state of the further trained part {@code name}. */
  public Map<String, HostTensor> optimizer(String name) {
    return SafeTensors.read(dir.resolve(optimizerFile(name)));
  }

  /** The weights of the further trained part {@code name}. */
  public Map<String, HostTensor> weights(String name) {
    return SafeTensors.read(dir.resolve(weightsFile(name)));
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

  @Override
  public String toString() {
    return dir.toString();
  }
}
