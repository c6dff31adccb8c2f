package io.decq.train.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.decq.train.recon.TinyRecon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad inputs to {@code decq train diffusion} fail through the launcher with exit code 2 and one line naming
 * the key or option and the mismatch, before anything is trained: no metrics, no checkpoint.
 */
class DiffusionBadInputTest {
  @TempDir static Path tmp;
  /** A 1-step stage-2 run on the 8-query stage-1 run, to resume. */
  static Path run;

  @BeforeAll
  static void oneStep() {
    run = tmp.resolve("one-step");
    TinyRecon.Run r = TinyRecon.decq(TinyDiffusion.trainArgs(run, TinyDiffusion.stage1(8), 1));
    assertEquals(0, r.code(), r.err());
  }

  /** Runs 2 tiny steps on {@code stage1} with {@code extra} arguments; expects exit 2 and one line containing each of {@code expected}. */
  private static void fails(Path stage1, List<String> extra, String... expected) {
    Path out = tmp.resolve("bad-" + System.nanoTime());
    List<String> args = new ArrayList<>(Arrays.asList(TinyDiffusion.trainArgs(out, stage1, 2)));
    args.addAll(extra);
    TinyRecon.Run r = TinyRecon.decq(args.toArray(new String[0]));
    assertEquals(2, r.code(), "exit code; stderr: " + r.err());
    String message = r.err().strip();
    assertEquals(1, message.lines().count(), "one line: " + message);
    assertTrue(message.startsWith("decq train diffusion: "), message);
    for (String e : expected) {
      assertTrue(message.contains(e), "'" + e + "' not in: " + message);
    }
    assertFalse(Files.exists(out.resolve("metrics.jsonl")), "training started");
    assertFalse(Files.exists(out.resolve("checkpoints")), "training started");
  }

  private static List<String> set(String... overrides) {
    List<String> out = new ArrayList<>();
    for (String o : overrides) {
      out.add("--set");
      out.add(o);
    }
    return out;
  }

  @Test
  void missingStage1Run() {
    Path missing = tmp.resolve("no-such-run");
    fails(missing, List.of(), "ae.checkpoint", missing.toString());
  }

  @Test
  void stage1PathIsNotARun() {
    Path images = TinyDiffusion.images();
    fails(images, List.of(), "ae.checkpoint", images.toString());
  }

  @Test
  void labelOutsideTheClasses() {
    fails(TinyDiffusion.stage1(8), set("data.path=" + TinyRecon.TRAIN, "dit.num_classes=3"), "dit.num_classes: 3",
        "7 class folders", "[0, num_classes)");
  }

  @Test
  void resumeIntoADitOfAnotherSize() {
    fails(TinyDiffusion.stage1(8), concat(set("dit.preset=small"), List.of("--resume", run.toString())), "--resume " + run,
        "dit.preset tiny", "dit.preset small");
  }

  @Test
  void resumeAgainstAStage1RunWithAnotherLatent() {
    fails(TinyDiffusion.stage1(0), List.of("--resume", run.toString()), "--resume " + run,
        "8 queries + 16x16 patches x 64 channels", "0 queries + 16x16 patches x 64 channels", "ae.checkpoint");
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }
}
