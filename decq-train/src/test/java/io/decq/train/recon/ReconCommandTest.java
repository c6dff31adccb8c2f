package io.decq.train.recon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import io.decq.core.config.CheckpointWeights;
import io.decq.core.config.ConfigBinder;
import io.decq.core.config.DecqConfig;
import io.decq.core.encoder.FrozenEncoder;
import io.decq.core.encoder.LatentStats;
import io.decq.core.image.ImageFolder;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import io.decq.core.io.DType;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import io.decq.core.nn.NativeMemory;
import io.decq.core.rae.TrainedAutoencoder;
import io.decq.core.run.Checkpoint;
import io.decq.core.run.RunDirectory;
import io.decq.train.run.MetricsLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code decq train recon} end to end on configs/tiny-recon.yaml (12 steps of 4 images): the loss falls,
 * the run directory has the documented layout, the checkpoint is the whole autoencoder, and the
 * checkpoint loader reproduces the trainer's own preview bit for bit.
 */
class ReconCommandTest {
  static final int STEPS = 12;
  static final int PREVIEWS = 3;
  @TempDir static Path tmp;
  static Path out;
  static TinyRecon.Run run;
  static List<JsonObject> metrics;

  @BeforeAll
  static void train() {
    out = tmp.resolve("run");
    run = TinyRecon.decq(TinyRecon.trainArgs(out, "train.max_steps=" + STEPS, "train.batch_size=4", "train.log_every=3",
        "train.checkpoint_every=6", "train.preview_every=" + STEPS, "data.val_count=" + PREVIEWS));
    assertEquals(0, run.code(), run.err());
    metrics = MetricsLog.read(out.resolve("metrics.jsonl"));
  }

  @Test
  void lossFalls() {
    assertEquals(List.of(3L, 6L, 9L, 12L), metrics.stream().map(m -> m.get("step").getAsLong()).toList());
    double first = metrics.get(0).get("loss").getAsDouble();
    double last = metrics.get(metrics.size() - 1).get("loss").getAsDouble();
    System.out.printf("tiny recon, %d steps of 4 images: loss %.4f (steps 1-3) -> %.4f (steps 10-12)%n", STEPS, first, last);
    assertTrue(last < 0.9 * first, "loss " + first + " -> " + last);
    assertTrue(run.out().contains("trained steps 1.." + STEPS), run.out());
    for (JsonObject m : metrics) {
      for (String key : List.of("step", "epoch", "loss", "l1", "lr", "grad_norm", "images_per_s", "data_wait")) {
        assertTrue(m.has(key), "metrics.jsonl record lacks " + key + ": " + m);
      }
      assertEquals(m.get("loss").getAsDouble(), m.get("l1").getAsDouble(), 1e-12, "loss = 1 * l1 in the tiny config");
    }
  }

  @Test
  void runDirectoryHasTheDocumentedLayout() throws IOException {
    RunDirectory dir = new RunDirectory(out);
    assertTrue(Files.isRegularFile(dir.configFile()));
    assertEquals(RunDirectory.stepName(STEPS), Files.readString(dir.latestPointer()).trim());
    assertEquals(List.of(dir.checkpointDir(6), dir.checkpointDir(STEPS)), dir.checkpoints());
    for (Path c : dir.checkpoints()) {
      for (String f : Checkpoint.FILES) {
        assertTrue(Files.isRegularFile(c.resolve(f)), c + " lacks " + f);
      }
    }
    try (Stream<Path> s = Files.list(dir.previewsDir())) {
      assertEquals(List.of(dir.previewFile(STEPS)), s.toList());
    }
    RgbImage grid = Images.read(dir.previewFile(STEPS));
    assertEquals(2 * 256 + 3 * 2, grid.height(), "two rows: validation images, reconstructions");
    assertEquals(PREVIEWS * 256 + (PREVIEWS + 1) * 2, grid.width());
  }

  @Test
  void checkpointHoldsTheWholeAutoencoderAndItsConfig() {
    Checkpoint c = Checkpoint.resolve(out);
    DecqConfig expected = TinyRecon.config("train.max_steps=" + STEPS, "train.batch_size=4", "train.log_every=3",
        "train.checkpoint_every=6", "train.preview_every=" + STEPS, "data.val_count=" + PREVIEWS);
    assertEquals(ConfigBinder.toTree(expected), ConfigBinder.toTree(c.config()));
    Map<String, HostTensor> model = c.model();
    Map<String, HostTensor> ema = c.ema();
    for (String k : List.of("queries.query_tokens", "decoder.decoder_pred.weight", "decoder.decoder_pos_embed",
        "latent_norm.patch_mean", "latent_norm.patch_var", "latent_norm.query_mean", "latent_norm.query_var")) {
      assertTrue(model.containsKey(k), "model.safetensors lacks " + k);
      assertTrue(ema.containsKey(k), "ema.safetensors lacks " + k);
    }
    assertEquals(model.keySet(), ema.keySet());
  }

  /** The patch statistics the trainer computed equal {@code decq stats}' computation over the same photos. */
  @Test
  void patchStatisticsMatchTheEncoderStatistics() {
    Map<String, HostTensor> model = Checkpoint.resolve(out).model();
    ImageFolder folder = ImageFolder.scan(TinyRecon.TRAIN, "data.path");
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < folder.size(); i++) {
      files.add(folder.file(i));
    }
    DecqConfig config = TinyRecon.config();
    LatentStats want;
    try (FrozenEncoder encoder = FrozenEncoder.load(config.encoder(), Device.cpu())) {
      want = LatentStats.compute(encoder, files, 8);
    }
    float[] mean = model.get("latent_norm.patch_mean").toFloats();
    float[] var = model.get("latent_norm.patch_var").toFloats();
    double worst = 0;
    for (int i = 0; i < mean.length; i++) {
      worst = Math.max(worst, Math.abs(mean[i] - want.mean()[i]) / (1e-3 + Math.abs(want.mean()[i])));
      worst = Math.max(worst, Math.abs(var[i] - want.var()[i]) / (1e-3 + want.var()[i]));
    }
    System.out.printf("patch statistics vs decq stats: max relative difference %.3g%n", worst);
    assertTrue(worst < 1e-5, "max relative difference " + worst);
  }

  /** Loading the last checkpoint's raw weights and reconstructing the preview images gives the preview's bottom row. */
  @Test
  void trainedAutoencoderReproducesThePreview() {
    RgbImage grid = Images.read(new RunDirectory(out).previewFile(STEPS));
    List<RgbImage> inputs = new ArrayList<>();
    for (Path f : Images.list(TinyRecon.VAL).subList(0, PREVIEWS)) {
      inputs.add(Images.read(f));
    }
    try (TrainedAutoencoder ae = TrainedAutoencoder.load(out, CheckpointWeights.RAW, Device.cpu())) {
      assertEquals(STEPS, ae.checkpoint().step());
      assertEquals(Set.of(0, 3, 6, 9), ae.autoencoder().taps());
      List<RgbImage> recon = ae.reconstruct(inputs);
      for (int i = 0; i < PREVIEWS; i++) {
        assertArrayEquals(tile(grid, 0, i).rgb(), inputs.get(i).rgb(), "preview row 0 holds the input " + i);
        assertArrayEquals(tile(grid, 1, i).rgb(), recon.get(i).rgb(), "reconstruction " + i + " differs from the preview");
      }
      // Each call frees what it made: only the returned array outlives it.
      try (NDManager m = NDManager.newBaseManager()) {
        NDArray x = Images.toNCHW(m, inputs);
        ae.reconstruct(x).close();
        int live = NativeMemory.liveArrays();
        for (int i = 0; i < 3; i++) {
          ae.reconstruct(x).close();
          try (NDArray z = ae.encode(x)) {
            ae.decode(z).close();
          }
        }
        assertEquals(live, NativeMemory.liveArrays(), "native arrays grew over repeated calls");
      }
    }
  }

  /** The 256 x 256 tile at (row, col) of a preview grid (2 px padding). */
  static RgbImage tile(RgbImage grid, int row, int col) {
    int side = 256;
    byte[] rgb = new byte[side * side * 3];
    int oy = 2 + row * (side + 2);
    int ox = 2 + col * (side + 2);
    for (int y = 0; y < side; y++) {
      System.arraycopy(grid.rgb(), ((oy + y) * grid.width() + ox) * 3, rgb, y * side * 3, side * 3);
    }
    return new RgbImage(side, side, rgb);
  }

  /** The checkpoint files are readable safetensors of float32 tensors only. */
  @Test
  void checkpointTensorsAreFloat32() {
    Path dir = Checkpoint.resolve(out).dir();
    for (String f : List.of(Checkpoint.MODEL, Checkpoint.EMA, Checkpoint.OPTIMIZER)) {
      for (Map.Entry<String, HostTensor> e : SafeTensors.read(dir.resolve(f)).entrySet()) {
        assertEquals(DType.F32, e.getValue().dtype(), f + " " + e.getKey());
      }
    }
  }
}
