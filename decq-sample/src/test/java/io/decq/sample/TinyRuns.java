package io.decq.sample;

import ai.djl.Device;
import io.decq.core.config.ConfigLoader;
import io.decq.core.config.DecqConfig;
import io.decq.core.image.Images;
import io.decq.train.diffusion.DiffusionTrainer;
import io.decq.train.recon.ReconTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Tiny stage-1 and stage-2 runs for the sampling tests: the tiny configs for a few steps on 2 classes of
 * the bundled photos (2 images each), so every sampling path runs on real checkpoints in seconds.
 */
final class TinyRuns {
  static final Path DATA = Path.of(System.getProperty("decq.test.data", "../src-test-data"));
  static final Path CONFIGS = DATA.getParent().resolve("configs");

  private TinyRuns() {}

  /** Two class folders of two photos each under {@code tmp/images}. */
  static Path images(Path tmp) throws IOException {
    Path root = tmp.resolve("images");
    for (String c : List.of("chelsea", "coffee")) {
      Path dir = Files.createDirectories(root.resolve(c));
      for (Path f : Images.list(DATA.resolve("images").resolve("train").resolve(c)).subList(0, 2)) {
        Files.copy(f, dir.resolve(f.getFileName()));
      }
    }
    return root;
  }

  /** A 2-step stage-1 run of configs/tiny-recon.yaml with {@code overrides}. */
  static Path stage1(Path tmp, String name, Path images, String... overrides) {
    List<String> all = new ArrayList<>(List.of("encoder.path=" + DATA.resolve("encoders").resolve("dinov2-reg-tiny"),
        "data.path=" + images, "data.val_path=null", "train.max_steps=2", "train.warmup_steps=1", "train.batch_size=2",
        "train.preview_every=0", "train.log_every=1"));
    all.addAll(List.of(overrides));
    DecqConfig config = ConfigLoader.load(CONFIGS.resolve("tiny-recon.yaml"), all);
    Path run = tmp.resolve(name);
    ReconTrainer.run(config, run, null, Device.cpu());
    return run;
  }

  /** A 2-step stage-2 run of configs/tiny-diffusion.yaml on {@code stage1}, 6 grid points. */
  static Path stage2(Path tmp, String name, Path stage1, Path images, String... overrides) {
    List<String> all = new ArrayList<>(List.of("ae.checkpoint=" + stage1, "data.path=" + images, "dit.num_classes=2",
        "train.max_steps=2", "train.warmup_steps=1", "train.decay_start=1", "train.batch_size=2", "train.preview_every=0",
        "train.log_every=1", "flow.steps=6"));
    all.addAll(List.of(overrides));
    DecqConfig config = ConfigLoader.load(CONFIGS.resolve("tiny-diffusion.yaml"), all);
    Path run = tmp.resolve(name);
    DiffusionTrainer.run(config, run, null, Device.cpu());
    return run;
  }
}
