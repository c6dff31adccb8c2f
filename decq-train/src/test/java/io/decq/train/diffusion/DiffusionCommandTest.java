package io.decq.train.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.decq.core.dit.TrainedDenoiser;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import io.decq.core.run.Checkpoint;
import io.decq.train.recon.TinyRecon;
import io.decq.train.run.MetricsLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code decq train diffusion} end to end on tiny stage-1 runs with 8 queries and with none (the RAE
 * baseline): the flow-matching loss falls well below its start in {@value #STEPS} steps of 4 images, the
 * metrics hold the patch and query terms, and the Q = 0 denoiser has exactly the official RAE DiT-DH keys.
 */
class DiffusionCommandTest {
  static final int STEPS = 24;
  static final int WINDOW = 6;
  @TempDir static Path tmp;
  static Path q8;
  static Path q0;
  static TinyRecon.Run runQ8;
  static TinyRecon.Run runQ0;

  @BeforeAll
  static void train() {
    q8 = tmp.resolve("q8");
    q0 = tmp.resolve("q0");
    runQ8 = timed("Q=8", q8, TinyDiffusion.stage1(8));
    runQ0 = timed("Q=0", q0, TinyDiffusion.stage1(0));
  }

  private static TinyRecon.Run timed(String what, Path out, Path stage1) {
    long t0 = System.nanoTime();
    TinyRecon.Run r = TinyRecon.decq(TinyDiffusion.trainArgs(out, stage1, STEPS, "train.batch_size=4",
        "train.log_every=" + WINDOW, "train.lr=5e-3"));
    assertEquals(0, r.code(), r.err());
    System.out.printf(Locale.ROOT, "tiny diffusion %s: %d steps of 4 images in %.1f s%n", what, STEPS,
        (System.nanoTime() - t0) / 1e9);
    return r;
  }

  /** The mean loss of the last logging window is at most 0.75 times the first one's (measured: about 0.68). */
  private static void lossFalls(String what, Path run, boolean queries) {
    List<JsonObject> m = MetricsLog.read(run.resolve("metrics.jsonl"));
    assertEquals(STEPS / WINDOW, m.size());
    double first = m.get(0).get("loss").getAsDouble();
    double last = m.get(m.size() - 1).get("loss").getAsDouble();
    System.out.printf(Locale.ROOT, "tiny diffusion %s: loss %.4f (steps 1-%d) -> %.4f (steps %d-%d); per window %s%n", what,
        first, WINDOW, last, STEPS - WINDOW + 1, STEPS,
        m.stream().map(r -> String.format(Locale.ROOT, "%.3f", r.get("loss").getAsDouble())).collect(Collectors.joining(" ")));
    assertTrue(last < 0.75 * first, what + ": loss " + first + " -> " + last);
    for (JsonObject r : m) {
      assertTrue(r.has("mse_patches"), "metrics.jsonl record lacks mse_patches: " + r);
      assertEquals(queries, r.has("mse_queries"), "mse_queries logged: " + r);
      double sum = r.get("mse_patches").getAsDouble() + (queries ? r.get("mse_queries").getAsDouble() : 0);
      assertEquals(r.get("loss").getAsDouble(), sum, 1e-4 * sum, "loss = mse_patches + 1 * mse_queries: " + r);
    }
  }

  @Test
  void lossFallsWithEightQueries() {
    lossFalls("Q=8", q8, true);
    assertTrue(runQ8.out().contains("joint latent: 8 queries + 256 patches x 64 channels"), runQ8.out());
  }

  @Test
  void lossFallsWithoutQueries() {
    lossFalls("Q=0", q0, false);
    assertTrue(runQ0.out().contains("joint latent: 0 queries + 256 patches x 64 channels"), runQ0.out());
  }

  /** With Q = 0 the checkpoint has the key set of the official RAE DiT-DH of the same depths (golden/rae/dit). */
  @Test
  void withoutQueriesTheDenoiserHasRaesKeys() throws IOException {
    Path golden = Path.of(System.getProperty("decq.golden.dir", "../src-test-data/golden"), "rae", "dit", "state_dict_keys.tsv");
    Set<String> rae = Files.readAllLines(golden).stream().skip(1).map(l -> l.split("\t")[0]).collect(Collectors.toCollection(TreeSet::new));
    Map<String, HostTensor> withoutQueries = Checkpoint.resolve(q0).model();
    assertFalse(withoutQueries.containsKey("query_pos_embed"));
    assertEquals(rae, new TreeSet<>(withoutQueries.keySet()));
    Map<String, HostTensor> withQueries = Checkpoint.resolve(q8).model();
    assertEquals(8, withQueries.get("query_pos_embed").shape()[1]);
  }

  /** The run's latent statistics: exact query statistics computed over the data with Q = 8, patches only with Q = 0. */
  @Test
  void latentStatisticsFile() {
    assertEquals(Set.of("patch.mean", "patch.var", "query.mean", "query.var"),
        SafeTensors.read(q8.resolve(TrainedDenoiser.LATENT_STATS)).keySet());
    assertEquals(Set.of("patch.mean", "patch.var"), SafeTensors.read(q0.resolve(TrainedDenoiser.LATENT_STATS)).keySet());
    assertTrue(runQ8.out().contains("queries computed over 6 images"), runQ8.out());
  }
}
