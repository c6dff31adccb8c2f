package io.decq.eval.recon;

import ai.djl.Device;
import io.decq.core.config.ConfigLoader;
import io.decq.core.config.DecqConfig;
import io.decq.core.image.Images;
import io.decq.train.recon.ReconTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A stage-1 checkpoint for the recon command tests: 3 tiny steps on the 2 chelsea photos, logging every step. */
final class TinyRun {
  static final Path DATA = Path.of(System.getProperty("decq.test.data", "../src-test-data"));
  static final Path VAL = DATA.resolve("images").resolve("val");

  private TinyRun() {}

  /** Trains configs/tiny-recon.yaml for 3 steps under {@code tmp} and returns the run directory. */
  static Path train(Path tmp) throws IOException {
    Path images = Files.createDirectories(tmp.resolve("train"));
    for (Path f : Images.list(DATA.resolve("images").resolve("train").resolve("chelsea"))) {
      Files.copy(f, images.resolve(f.getFileName()));
    }
    DecqConfig config = ConfigLoader.load(DATA.getParent().resolve("configs").resolve("tiny-recon.yaml"), List.of(
        "encoder.path=" + DATA.resolve("encoders").resolve("dinov2-reg-tiny"), "data.path=" + images,
        "train.max_steps=3", "train.warmup_steps=1", "train.batch_size=2", "train.preview_every=0", "train.log_every=1"));
    Path run = tmp.resolve("run");
    ReconTrainer.run(config, run, null, Device.cpu());
    return run;
  }
}
