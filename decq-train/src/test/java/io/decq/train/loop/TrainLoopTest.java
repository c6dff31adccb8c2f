package io.decq.train.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.decq.core.config.ConfigLoader;
import io.decq.core.config.DecqConfig;
import io.decq.core.error.BadInputException;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import io.decq.core.io.SafeTensors;
import io.decq.core.run.Checkpoint;
import io.decq.core.run.RunDirectory;
import io.decq.train.data.HostBatch;
import io.decq.train.data.ImageLoader;
import io.decq.train.data.TestImages;
import io.decq.train.run.MetricsLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A short toy run: the loss falls, and the run directory has exactly the documented layout. */
class TrainLoopTest {
  @TempDir static Path tmp;
  static Path images;
  static Path out;
  static DecqConfig config;
  static TrainResult result;

  @BeforeAll
  static void train() {
    images = TestImages.flat(tmp.resolve("images"), 16, 8, 8);
    out = tmp.resolve("run");
    config = ToyModel.config(images, 6, "train.max_steps=120", "train.checkpoint_every=50", "train.log_every=20",
        "train.batch_size=8", "train.seed=1", "train.lr=1e-2", "train.final_lr=1e-3", "train.warmup_steps=10",
        "train.grad_clip=1.0", "train.keep_last=2", "train.preview_every=60");
    result = run(out, null, 7);
  }

  static TrainResult run(Path dir, Path resume, long initSeed) {
    try (ToyModel model = new ToyModel(6, 16, initSeed);
        ImageLoader loader = ImageLoader.training(config.data(), config.train().batchSize(), config.train().seed())) {
      HostBatch previewImages = ImageLoader.previewBatch(config.data());
      return TrainLoop.<HostBatch>builder()
          .config(config)
          .runDir(dir)
          .parameters(model.params)
          .data(loader)
          .step(model::loss)
          .preview((m, step) -> model.preview(m, previewImages), 4)
          .manager(model.manager)
          .resumeFrom(resume)
          .stateTensors(Map.of("stats.mean", model.manager.create(new float[] {0.5f, 0.25f})))
          .build()
          .run();
    }
  }

  @Test
  void toyLossFalls() {
    System.out.printf("toy autoencoder, 120 steps: loss %.4f -> %.4f, %.0f img/s%n", result.firstLoss(), result.lastLoss(),
        result.imagesPerSecond());
    assertTrue(result.lastLoss() < 0.6 * result.firstLoss(), result.firstLoss() + " -> " + result.lastLoss());
    List<JsonObject> m = MetricsLog.read(out.resolve("metrics.jsonl"));
    assertTrue(m.get(m.size() - 1).get("l1").getAsDouble() < m.get(0).get("l1").getAsDouble());
  }

  @Test
  void runDirectoryLayout() throws Exception {
    RunDirectory run = new RunDirectory(out);
    assertEquals(config, ConfigLoader.load(run.configFile(), List.of()), "config.yaml is the resolved config");

    List<JsonObject> metrics = MetricsLog.read(run.metricsFile());
    assertEquals(6, metrics.size());
    assertEquals(List.of("step", "epoch", "loss", "l1", "l2", "lr", "grad_norm", "images_per_s", "data_wait"),
        List.copyOf(metrics.get(0).keySet()));
    assertEquals(20, metrics.get(0).get("step").getAsLong());
    assertEquals(120, metrics.get(5).get("step").getAsLong());

    assertEquals(List.of(run.checkpointDir(100), run.checkpointDir(120)), run.checkpoints(), "keep_last 2");
    assertEquals("step-0000120", Files.readString(run.latestPointer()).trim());
    try (Stream<Path> s = Files.list(run.checkpointsDir())) {
      assertEquals(Set.of("latest", "step-0000100", "step-0000120"),
          Set.copyOf(s.map(p -> p.getFileName().toString()).toList()), "no temporary folders left");
    }
    Path last = run.checkpointDir(120);
    try (Stream<Path> s = Files.list(last)) {
      assertEquals(Set.copyOf(Checkpoint.FILES), Set.copyOf(s.map(p -> p.getFileName().toString()).toList()));
    }
    assertEquals(Set.of("pos_embed", "enc.weight", "enc.bias", "dec.weight", "dec.bias", "stats.mean"),
        SafeTensors.read(last.resolve(Checkpoint.MODEL)).keySet());
    assertEquals(SafeTensors.read(last.resolve(Checkpoint.MODEL)).keySet(), SafeTensors.read(last.resolve(Checkpoint.EMA)).keySet());
    assertEquals(10, SafeTensors.read(last.resolve(Checkpoint.OPTIMIZER)).size());

    JsonObject state = JsonParser.parseString(Files.readString(Checkpoint.resolve(out).dir().resolve(Checkpoint.STATE)))
        .getAsJsonObject();
    assertEquals(120, state.get("step").getAsLong());
    assertEquals(120, state.get("optimizer_step").getAsLong());
    assertEquals(60, state.get("epoch").getAsLong(), "960 samples of 16");
    assertEquals(0, state.getAsJsonObject("data_position").get("index").getAsLong());
    assertEquals(1, state.getAsJsonObject("rng").get("seed").getAsLong());
    assertEquals(120, state.getAsJsonObject("config").getAsJsonObject("train").get("max_steps").getAsLong());
    JsonObject prov = state.getAsJsonObject("provenance");
    for (String k : List.of("git_commit", "decq_version", "djl_version", "pytorch_version", "java_version", "seed", "device")) {
      assertTrue(prov.has(k), "provenance." + k);
    }
    assertEquals("0.29.0", prov.get("djl_version").getAsString());
    assertEquals("2.3.1", prov.get("pytorch_version").getAsString());
    assertEquals(System.getProperty("java.version"), prov.get("java_version").getAsString());

    RgbImage preview = Images.read(run.previewFile(120));
    assertEquals(2 * 6 + 3 * 2, preview.height(), "4 images + 4 reconstructions, 4 per row, 2 px padding");
    assertEquals(4 * 6 + 5 * 2, preview.width());
    assertTrue(Files.exists(run.previewFile(60)));
    assertNotNull(result.lastCheckpoint());
  }

  @Test
  void resumeIsResolvedFromARunACheckpointOrTheCheckpointsFolder() {
    RunDirectory run = new RunDirectory(out);
    assertEquals(run.checkpointDir(120), Checkpoint.resolve(out).dir());
    assertEquals(run.checkpointDir(100), Checkpoint.resolve(run.checkpointDir(100)).dir());
    assertEquals(run.checkpointDir(120), Checkpoint.resolve(run.checkpointsDir()).dir());
    assertEquals(out.toAbsolutePath().normalize(), Checkpoint.resolve(out).runDir());
  }

  @Test
  void resumingAFinishedRunDoesNothing() {
    Path copy = tmp.resolve("elsewhere");
    TrainResult r = run(copy, out, 3);
    assertEquals(120, r.startStep());
    assertTrue(Double.isNaN(r.lastLoss()));
    assertFalse(new RunDirectory(copy).holdsRun());
  }

  @Test
  void startingAFreshRunOverAnExistingOneIsRefused() {
    BadInputException e = assertThrows(BadInputException.class, () -> run(out, null, 7));
    assertTrue(e.getMessage().contains("already holds a training run"), e.getMessage());
  }
}
