package io.decq.train.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.decq.core.config.ConfigLoader;
import io.decq.core.config.DecqConfig;
import io.decq.train.recon.TinyRecon;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * configs/tiny-diffusion.yaml for tests, on a 6-image subset of src-test-data (3 classes x 2 photos: the
 * query-statistics pass encodes every image of data.path), reading a 2-step tiny stage-1 run built once per
 * JVM for each query count and shared by the test classes.
 */
final class TinyDiffusion {
  static final Path CONFIG = TinyRecon.DATA.getParent().resolve("configs").resolve("tiny-diffusion.yaml");
  private static final Map<Integer, Path> STAGE1 = new HashMap<>();
  private static Path root;
  private static Path images;

  private TinyDiffusion() {}

  /** A folder deleted when the JVM exits. */
  static synchronized Path root() {
    if (root == null) {
      try {
        root = Files.createTempDirectory("decq-tiny-diffusion");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Path dir = root;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
    }
    return root;
  }

  /** The 6-image training folder: 3 class folders of 2 photos. */
  static synchronized Path images() {
    if (images == null) {
      images = TinyRecon.subset(root().resolve("images"), 3, 2);
    }
    return images;
  }

  /** A tiny stage-1 run with {@code queries} queries (0: the RAE baseline), 2 steps of 2 images. */
  static synchronized Path stage1(int queries) {
    return STAGE1.computeIfAbsent(queries, q -> {
      Path out = root().resolve("stage1-q" + q);
      List<String> set = new ArrayList<>(List.of("queries.count=" + q, "data.path=" + images(), "train.max_steps=2",
          "train.batch_size=2", "train.warmup_steps=0", "train.log_every=1", "train.checkpoint_every=2",
          "train.preview_every=0", "data.val_count=0"));
      if (q == 0) {
        set.add("queries.taps=[]");
      }
      TinyRecon.Run r = TinyRecon.decq(TinyRecon.trainArgs(out, set.toArray(new String[0])));
      assertEquals(0, r.code(), r.err());
      return out;
    });
  }

  /**
   * --set overrides: the tiny stage-2 config on {@code stage1} and the 6 images, {@code steps} steps of 2 images
   * at a constant lr, a metrics line and a checkpoint at the end, no previews; then {@code more}.
   */
  static List<String> overrides(Path stage1, int steps, String... more) {
    List<String> out = new ArrayList<>(List.of("ae.checkpoint=" + stage1, "data.path=" + images(), "train.batch_size=2",
        "train.max_steps=" + steps, "train.warmup_steps=0", "train.decay_start=" + steps, "train.log_every=1",
        "train.checkpoint_every=" + steps, "train.preview_every=0"));
    out.addAll(Arrays.asList(more));
    return out;
  }

  static DecqConfig config(Path stage1, int steps, String... more) {
    return ConfigLoader.load(CONFIG, overrides(stage1, steps, more));
  }

  /** {@code decq train diffusion --config tiny --out OUT --set ...} arguments. */
  static String[] trainArgs(Path out, Path stage1, int steps, String... more) {
    List<String> args = new ArrayList<>(List.of("train", "diffusion", "--config", CONFIG.toString(), "--out", out.toString()));
    for (String o : overrides(stage1, steps, more)) {
      args.add("--set");
      args.add(o);
    }
    return args.toArray(new String[0]);
  }

  private static void delete(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
