package io.decq.train.loop;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.decq.core.config.DecqConfig;
import io.decq.core.error.BadInputException;
import io.decq.core.run.Checkpoint;
import io.decq.core.run.RunDirectory;
import io.decq.train.data.HostBatch;
import io.decq.train.data.ImageLoader;
import io.decq.train.data.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Missing, incomplete, corrupt or foreign checkpoints fail with one clear line naming the path. */
class CheckpointErrorsTest {
  @TempDir static Path tmp;
  static Path images;
  static Path good;
  static DecqConfig config;

  @BeforeAll
  static void train() {
    images = TestImages.flat(tmp.resolve("images"), 6, 6, 6);
    config = ToyModel.config(images, 6, "train.max_steps=2", "train.checkpoint_every=2", "train.log_every=1",
        "train.batch_size=2", "train.lr=1e-3", "train.final_lr=1e-4");
    good = tmp.resolve("good");
    train(good, null, 6);
  }

  static void train(Path out, Path resume, int side) {
    try (ToyModel model = new ToyModel(side, 4, 1);
        ImageLoader loader = ImageLoader.training(ToyModel.config(images, side).data(), 2, 0)) {
      TrainLoop.<HostBatch>builder().config(config).runDir(out).parameters(model.params).data(loader)
          .step(model::loss).manager(model.manager).resumeFrom(resume).build().run();
    }
  }

  private static Path copy(String name) throws IOException {
    Path dst = tmp.resolve(name);
    try (Stream<Path> s = Files.walk(good)) {
      for (Path p : s.sorted(Comparator.naturalOrder()).toList()) {
        Path q = dst.resolve(good.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(q);
        } else {
          Files.copy(p, q);
        }
      }
    }
    return dst;
  }

  private static void assertBad(Path resume, String part) {
    BadInputException e = assertThrows(BadInputException.class, () -> Checkpoint.resolve(resume, "--resume"));
    assertTrue(e.getMessage().startsWith("--resume " + resume), e.getMessage());
    assertTrue(e.getMessage().contains(part), e.getMessage());
  }

  @Test
  void missingAndEmptyPaths() throws IOException {
    assertBad(tmp.resolve("nothing-here"), "not found");
    assertBad(Files.createDirectories(tmp.resolve("empty")), "not a run directory or checkpoint");
  }

  @Test
  void danglingLatestPointer() throws IOException {
    Path run = copy("dangling");
    Files.writeString(new RunDirectory(run).latestPointer(), "step-0000099\n");
    assertBad(run, "names 'step-0000099', which is not a checkpoint folder");
  }

  @Test
  void incompleteOrCorruptCheckpoint() throws IOException {
    Path run = copy("incomplete");
    Files.delete(new RunDirectory(run).checkpointDir(2).resolve(Checkpoint.EMA));
    assertBad(run, "is incomplete: ema.safetensors is missing");
    Path corrupt = copy("corrupt");
    Files.writeString(new RunDirectory(corrupt).checkpointDir(2).resolve(Checkpoint.STATE), "{\"step\": 2, ");
    assertBad(corrupt, "is not valid JSON (corrupt checkpoint)");
    Path truncated = copy("truncated");
    Path model = new RunDirectory(truncated).checkpointDir(2).resolve(Checkpoint.MODEL);
    byte[] bytes = Files.readAllBytes(model);
    Files.write(model, Arrays.copyOf(bytes, bytes.length - 10));
    BadInputException e = assertThrows(BadInputException.class, () -> train(tmp.resolve("t-out"), truncated, 6));
    assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void checkpointOfAnotherModel() {
    BadInputException e = assertThrows(BadInputException.class, () -> train(tmp.resolve("other-out"), good, 4));
    assertTrue(e.getMessage().contains("tensor 'pos_embed' is F32[1, 108] but the model has F32[1, 48]"), e.getMessage());
  }
}
