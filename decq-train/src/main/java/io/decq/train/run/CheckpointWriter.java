package io.decq.train.run;

import io.decq.core.io.AtomicFiles;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import io.decq.core.run.Checkpoint;
import io.decq.core.run.CheckpointState;
import io.decq.core.run.RunDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes checkpoint folders in the layout {@link Checkpoint} reads, atomically: everything goes into a
 * hidden temporary folder beside the target, which is renamed into place; then {@code checkpoints/latest}
 * is rewritten (atomically) to name it, and old checkpoints beyond {@code keep_last} are deleted.
 */
public final class CheckpointWriter {
  private CheckpointWriter() {}

  /** The state of one optimizer: its tensors and the safetensors metadata (hyper-parameters, step). */
  public record OptimizerState(Map<String, HostTensor> tensors, Map<String, String> metadata) {}

  /** A further trained part: its weights and its optimizer. */
  public record ExtraPart(Map<String, HostTensor> weights, OptimizerState optimizer) {}

  /**
   * What one checkpoint holds, ready to write.
   *
   * @param model every state tensor of the model by name
   * @param ema the same names, trainable weights replaced by their average
   * @param optimizer the main optimizer
   * @param extras further trained parts by name ({@code NAME.safetensors}, {@code optimizer-NAME.safetensors})
   * @param state state.json
   */
  public record Contents(Map<String, HostTensor> model, Map<String, HostTensor> ema, OptimizerState optimizer,
      Map<String, ExtraPart> extras, CheckpointState state) {}

  /**
   * Writes checkpoint {@code step} of {@code run} atomically, points {@code latest} at it and deletes all
   * but the newest {@code keepLast} checkpoints (0 keeps all). Returns its folder.
   */
  public static Path write(RunDirectory run, long step, Contents c, int keepLast) {
    Path target = run.checkpointDir(step);
    Path tmp = run.checkpointsDir().resolve(".tmp-" + target.getFileName() + "-" + System.nanoTime());
    Map<String, String> meta = Map.of("format", Checkpoint.FORMAT, "step", Long.toString(step));
    try {
      Files.createDirectories(tmp);
      SafeTensors.write(tmp.resolve(Checkpoint.MODEL), c.model(), meta);
      SafeTensors.write(tmp.resolve(Checkpoint.EMA), c.ema(), meta);
      SafeTensors.write(tmp.resolve(Checkpoint.OPTIMIZER), c.optimizer().tensors(), c.optimizer().metadata());
      for (Map.Entry<String, ExtraPart> e : c.extras().entrySet()) {
        SafeTensors.write(tmp.resolve(Checkpoint.weightsFile(e.getKey())), e.getValue().weights(), meta);
        OptimizerState o = e.getValue().optimizer();
        SafeTensors.write(tmp.resolve(Checkpoint.optimizerFile(e.getKey())), o.tensors(), o.metadata());
      }
      AtomicFiles.writeString(tmp.resolve(Checkpoint.STATE), c.state().toJsonText());
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
}
