package io.decq.train.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.google.gson.JsonObject;
import io.decq.core.config.CheckpointWeights;
import io.decq.core.dit.TrainedDenoiser;
import io.decq.core.io.SafeTensors;
import io.decq.core.rae.TrainedAutoencoder;
import io.decq.core.run.Checkpoint;
import io.decq.train.data.LatentCache;
import io.decq.train.recon.TinyRecon;
import io.decq.train.run.MetricsLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code decq cache-latents} and stage 2 on the cache: the cache holds every image's raw latent, its flipped
 * copy and its label in f16 shards with the autoencoder's identity; training from it ({@code ae.latents}) makes
 * the loss fall and computes the same exact query statistics as the image pass (up to f16 rounding); a cache
 * made with other weights is refused with one line and exit 2.
 */
class DiffusionCacheTest {
  static final int STEPS = 36;
  static final int WINDOW = 6;
  @TempDir static Path tmp;
  static Path stage1;
  static Path cache;
  static Path foreign;
  static Path fromCache;
  static Path fromImages;
  static TinyRecon.Run cacheRun;

  @BeforeAll
  static void cacheAndTrain() {
    stage1 = TinyDiffusion.stage1(8);
    cache = tmp.resolve("cache");
    cacheRun = TinyRecon.decq("cache-latents", "--ae", stage1.toString(), "--images", TinyDiffusion.images().toString(),
        "--out", cache.toString(), "--flip", "--dtype", "f16", "--shard-size", "4");
    assertEquals(0, cacheRun.code(), cacheRun.err());
    foreign = tmp.resolve("foreign");
    TinyRecon.Run f = TinyRecon.decq("cache-latents", "--ae", stage1.toString(), "--weights", "raw", "--images",
        TinyDiffusion.images().toString(), "--out", foreign.toString());
    assertEquals(0, f.code(), f.err());
    fromCache = tmp.resolve("from-cache");
    long t0 = System.nanoTime();
    TinyRecon.Run r = TinyRecon.decq(TinyDiffusion.trainArgs(fromCache, stage1, STEPS, "ae.latents=" + cache,
        "train.batch_size=4", "train.log_every=" + WINDOW, "train.lr=5e-3"));
    assertEquals(0, r.code(), r.err());
    System.out.printf(Locale.ROOT, "tiny diffusion from the latent cache: %d steps of 4 in %.1f s%n", STEPS,
        (System.nanoTime() - t0) / 1e9);
    fromImages = tmp.resolve("from-images");
    TinyRecon.Run i = TinyRecon.decq(TinyDiffusion.trainArgs(fromImages, stage1, 1));
    assertEquals(0, i.code(), i.err());
  }

  @Test
  void cacheHoldsEveryImageWithItsLabelAndFlippedCopy() {
    LatentCache c = LatentCache.open(cache, "test");
    assertEquals(6, c.size());
    assertEquals(3, c.classes().size());
    assertTrue(c.hasFlips());
    assertEquals(8 + 256, c.layout().tokens());
    List<Integer> labels = new ArrayList<>();
    for (int i = 0; i < c.size(); i++) {
      labels.add(c.label(i));
    }
    assertEquals(List.of(0, 0, 1, 1, 2, 2), labels.stream().sorted().toList());
    assertTrue(Files.isRegularFile(cache.resolve("latents-00000.safetensors")));
    assertTrue(Files.isRegularFile(cache.resolve("latents-00001.safetensors")), "6 latents in shards of 4");
    try (TrainedAutoencoder ae = TrainedAutoencoder.load(stage1, CheckpointWeights.EMA, Device.cpu())) {
      String identity = LatentCache.identity(ae);
      assertTrue(cacheRun.out().contains("autoencoder identity: " + identity), cacheRun.out());
      assertEquals(identity, SafeTensors.readWithMetadata(cache.resolve("latents-00000.safetensors")).metadata().get("identity"));
    }
  }

  @Test
  void trainingFromTheCacheMakesTheLossFall() {
    List<JsonObject> m = MetricsLog.read(fromCache.resolve("metrics.jsonl"));
    assertEquals(STEPS / WINDOW, m.size());
    double first = m.get(0).get("loss").getAsDouble();
    double last = m.get(m.size() - 1).get("loss").getAsDouble();
    System.out.printf(Locale.ROOT, "tiny diffusion from the latent cache: loss %.4f -> %.4f%n", first, last);
    assertTrue(last < 0.75 * first, "loss " + first + " -> " + last);
    assertEquals(STEPS, Checkpoint.resolve(fromCache).step());
  }

  /** The cache's exact query statistics equal the image pass's up to the f16 rounding of the cached latents. */
  @Test
  void queryStatisticsFromTheCacheMatchTheImagePass() {
    float[] a = SafeTensors.read(fromCache.resolve(TrainedDenoiser.LATENT_STATS)).get("query.mean").toFloats();
    float[] b = SafeTensors.read(fromImages.resolve(TrainedDenoiser.LATENT_STATS)).get("query.mean").toFloats();
    float[] va = SafeTensors.read(fromCache.resolve(TrainedDenoiser.LATENT_STATS)).get("query.var").toFloats();
    float[] vb = SafeTensors.read(fromImages.resolve(TrainedDenoiser.LATENT_STATS)).get("query.var").toFloats();
    double maxMean = 0;
    double maxVar = 0;
    for (int i = 0; i < a.length; i++) {
      maxMean = Math.max(maxMean, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
      maxVar = Math.max(maxVar, Math.abs(va[i] - vb[i]) / (1e-3 + Math.abs(vb[i])));
    }
    System.out.printf(Locale.ROOT, "query statistics, cache vs images: max rel diff mean %.2e, var %.2e%n", maxMean, maxVar);
    assertTrue(maxMean < 2e-3, "mean differs by " + maxMean);
    assertTrue(maxVar < 1e-2, "var differs by " + maxVar);
  }

  @Test
  void cacheOfAnotherAutoencoderIsRefused() {
    Path out = tmp.resolve("refused");
    TinyRecon.Run r = TinyRecon.decq(TinyDiffusion.trainArgs(out, stage1, 2, "ae.latents=" + foreign, "data.hflip=false"));
    assertEquals(2, r.code(), r.err());
    String message = r.err().strip();
    assertEquals(1, message.lines().count(), message);
    assertTrue(message.startsWith("decq train diffusion: ae.latents " + foreign + ": made with another autoencoder"), message);
    assertFalse(Files.exists(out.resolve("metrics.jsonl")), "training started");
    assertNotEquals(LatentCache.open(foreign, "test").size(), 0);
  }

  @Test
  void cacheWithoutFlipsIsRefusedWhenTrainingFlips() {
    Path noFlips = tmp.resolve("no-flips");
    TinyRecon.Run c = TinyRecon.decq("cache-latents", "--ae", stage1.toString(), "--images",
        TinyDiffusion.images().toString(), "--out", noFlips.toString(), "--dtype", "f32");
    assertEquals(0, c.code(), c.err());
    TinyRecon.Run r = TinyRecon.decq(TinyDiffusion.trainArgs(tmp.resolve("no-flip-run"), stage1, 2, "ae.latents=" + noFlips));
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("data.hflip: true, but the latent cache ae.latents " + noFlips + " holds no flipped copies"),
        r.err());
  }
}
