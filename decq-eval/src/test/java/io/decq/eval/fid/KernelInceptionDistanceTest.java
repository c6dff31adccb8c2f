package io.decq.eval.fid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.decq.core.error.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * KID against values derived independently from its definition, in float64:
 *
 * <ul>
 *   <li>a direct O(m^2 D) triple loop over the three kernel sums (written here from the formula, no
 *       matrix products), on small seeded random features, against the implementation's float64 matrix
 *       products on libtorch;
 *   <li>closed form: for identical sets the unbiased estimator is {@code -(2/m) (mean_i k(x_i, x_i) -
 *       mean_{i != j} k(x_i, x_j))}; for m scaled basis vectors {@code x_i = 2 e_i} in D = m dimensions
 *       {@code k(x_i, x_i) = (4/4 + 1)^3 = 8}, {@code k(x_i, x_j) = 1}, so KID = -(2/4)(8 - 1) = -3.5 with any
 *       subsets (each is a permutation), std 0;
 *   <li>src-test-data/fixtures/kid/kid_reference.json, written by scripts/fixtures/make_kid_fixture.py:
 *       torch-fidelity's metric_kid.py formula transcribed to numpy float64 (and clean-fid's, checked
 *       equal there) on fixed float32 features: the whole-set case (one subset of m = |X| = |Y| = 40,
 *       independent of the random generator, must match to rounding) and five subsets of 20 drawn by
 *       torch-fidelity's own numpy RandomState(2020) loop, whose row indices the fixture records and this
 *       test feeds to the implementation.
 * </ul>
 */
class KernelInceptionDistanceTest {
  private static NDManager manager;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  /** The unbiased MMD^2 by the definition, one kernel evaluation at a time. */
  private static double directMmd2(float[] x, float[] y, int m, int dim) {
    double xx = 0;
    double yy = 0;
    double xy = 0;
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < m; j++) {
        if (i != j) {
          xx += k(x, i, x, j, dim);
          yy += k(y, i, y, j, dim);
        }
        xy += k(x, i, y, j, dim);
      }
    }
    return xx / (m * (m - 1.0)) + yy / (m * (m - 1.0)) - 2 * xy / ((double) m * m);
  }

  private static double k(float[] a, int i, float[] b, int j, int dim) {
    double dot = 0;
    for (int c = 0; c < dim; c++) {
      dot += (double) a[i * dim + c] * b[j * dim + c];
    }
    double base = dot / dim + 1;
    return base * base * base;
  }

  private static float[] random(Random r, int n, int dim, float shift) {
    float[] out = new float[n * dim];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) Math.abs(r.nextGaussian()) + shift;
    }
    return out;
  }

  @Test
  void wholeSetsMatchTheDirectDoubleLoop() {
    Random r = new Random(7);
    int n = 23;
    int dim = 37;
    float[] x = random(r, n, dim, 0);
    float[] y = random(r, n, dim, 0.3f);
    KernelInceptionDistance.Result kid = KernelInceptionDistance.compute(manager, x, n, y, n, dim,
        new KernelInceptionDistance.Options(3, n, 99));
    double want = directMmd2(x, y, n, dim);
    System.out.printf("KID whole sets: %.17g, direct loop %.17g, diff %.3g%n", kid.mean(), want, kid.mean() - want);
    assertEquals(want, kid.mean(), 1e-12 * Math.abs(want));
    assertEquals(0, kid.std(), 1e-12 * Math.abs(want), "every subset is a permutation of the whole sets");
    assertEquals(n, kid.subsetSize());
  }

  @Test
  void subsetsAreTheMeanAndPopulationStdOfDirectLoopsOnTheDrawnRows() {
    Random r = new Random(8);
    int nx = 30;
    int ny = 41;
    int dim = 12;
    int m = 9;
    float[] x = random(r, nx, dim, 0);
    float[] y = random(r, ny, dim, 0.1f);
    KernelInceptionDistance.Options options = new KernelInceptionDistance.Options(6, m, 5);
    KernelInceptionDistance.Result kid = KernelInceptionDistance.compute(manager, x, nx, y, ny, dim, options);
    // The documented draw: per subset m rows of x, then m rows of y, from one Random(seed).
    Random rng = new Random(options.seed());
    double[] mmds = new double[options.subsets()];
    for (int s = 0; s < mmds.length; s++) {
      mmds[s] = directMmd2(rows(x, KernelInceptionDistance.choice(rng, nx, m), dim),
          rows(y, KernelInceptionDistance.choice(rng, ny, m), dim), m, dim);
    }
    double mean = Arrays.stream(mmds).average().orElseThrow();
    double std = Math.sqrt(Arrays.stream(mmds).map(v -> (v - mean) * (v - mean)).sum() / mmds.length);
    System.out.printf("KID 6 subsets of 9: %.17g +- %.17g, direct loop %.17g +- %.17g%n", kid.mean(), kid.std(), mean,
        std);
    assertEquals(mean, kid.mean(), 1e-12 * Math.abs(mean));
    assertEquals(std, kid.std(), 1e-9 * std);
    assertTrue(std > 0, "different subsets give different estimates");
  }

  @Test
  void identicalOrthogonalSetsGiveTheClosedForm() {
    int m = 4;
    float[] x = new float[m * m];
    for (int i = 0; i < m; i++) {
      x[i * m + i] = 2; // |x_i|^2 / D = 1
    }
    KernelInceptionDistance.Result kid = KernelInceptionDistance.compute(manager, x, m, x.clone(), m, m,
        new KernelInceptionDistance.Options(5, 100, 1));
    assertEquals(-3.5, kid.mean(), 1e-12);
    assertEquals(0, kid.std(), 1e-12);
    assertEquals(m, kid.subsetSize(), "the subset size is clamped to the smaller set");
  }

  @Test
  void matchesTorchFidelitysFormulaOnTheFixture() throws IOException {
    JsonObject ref = fixture();
    int dim = ref.get("dim").getAsInt();
    float[] x = features(ref.getAsJsonArray("x"), dim);
    float[] yFull = features(ref.getAsJsonArray("y_full"), dim);
    float[] y = features(ref.getAsJsonArray("y"), dim);
    int nx = x.length / dim;

    JsonObject full = ref.getAsJsonObject("full");
    KernelInceptionDistance.Result whole = KernelInceptionDistance.compute(manager, x, nx, yFull, yFull.length / dim, dim,
        new KernelInceptionDistance.Options(full.get("subsets").getAsInt(), full.get("subset_size").getAsInt(), 1));
    double wantWhole = full.get("kid_mean").getAsDouble();
    System.out.printf("fixture whole sets: %.17g vs torch-fidelity formula %.17g (diff %.3g)%n", whole.mean(), wantWhole,
        whole.mean() - wantWhole);
    assertEquals(wantWhole, whole.mean(), 1e-12 * Math.abs(wantWhole));
    assertEquals(full.get("kid_std").getAsDouble(), whole.std(), 0);

    JsonObject sub = ref.getAsJsonObject("subsets");
    int[][] rowsX = indices(sub.getAsJsonArray("rows_x"));
    int[][] rowsY = indices(sub.getAsJsonArray("rows_y"));
    double[] mmds = KernelInceptionDistance.subsetMmds(manager, x, nx, y, y.length / dim, dim, rowsX, rowsY);
    JsonArray want = sub.getAsJsonArray("mmds");
    double maxDiff = 0;
    for (int s = 0; s < mmds.length; s++) {
      maxDiff = Math.max(maxDiff, Math.abs(mmds[s] - want.get(s).getAsDouble()));
    }
    double mean = Arrays.stream(mmds).average().orElseThrow();
    double std = Math.sqrt(Arrays.stream(mmds).map(v -> (v - mean) * (v - mean)).sum() / mmds.length);
    System.out.printf("fixture 5 subsets of 20 (numpy RandomState(2020) rows): %.17g +- %.17g vs %.17g +- %.17g, "
        + "max per-subset diff %.3g%n", mean, std, sub.get("kid_mean").getAsDouble(), sub.get("kid_std").getAsDouble(),
        maxDiff);
    assertEquals(want.size(), mmds.length);
    assertTrue(maxDiff <= 1e-12, "per-subset MMD^2 max diff " + maxDiff);
    assertEquals(sub.get("kid_mean").getAsDouble(), mean, 1e-12);
    assertEquals(sub.get("kid_std").getAsDouble(), std, 1e-12);
  }

  @Test
  void choiceDrawsDistinctRowsAndTheSeedFixesThem() {
    int[] a = KernelInceptionDistance.choice(new Random(3), 50, 20);
    Set<Integer> seen = new HashSet<>();
    for (int v : a) {
      assertTrue(v >= 0 && v < 50);
      assertTrue(seen.add(v), "drawn twice: " + v);
    }
    assertEquals(Arrays.toString(a), Arrays.toString(KernelInceptionDistance.choice(new Random(3), 50, 20)));
    assertNotEquals(Arrays.toString(a), Arrays.toString(KernelInceptionDistance.choice(new Random(4), 50, 20)));
  }

  @Test
  void refusesTooFewImagesAndBadOptions() {
    float[] one = new float[3];
    BadInputException e = assertThrows(BadInputException.class,
        () -> KernelInceptionDistance.compute(manager, one, 1, new float[9], 3, 3, KernelInceptionDistance.Options.defaults()));
    assertTrue(e.getMessage().contains("at least 2 images"), e.getMessage());
    assertTrue(assertThrows(BadInputException.class, () -> new KernelInceptionDistance.Options(0, 10, 1)).getMessage()
        .contains("--kid-subsets"));
    assertTrue(assertThrows(BadInputException.class, () -> new KernelInceptionDistance.Options(10, 1, 1)).getMessage()
        .contains("--kid-subset-size"));
  }

  private static JsonObject fixture() throws IOException {
    String root = System.getProperty("decq.test.data");
    assertNotNull(root, "system property decq.test.data is not set (run the tests through Maven)");
    Path p = Path.of(root).resolve("fixtures").resolve("kid").resolve("kid_reference.json");
    assertTrue(Files.exists(p), "missing fixture " + p);
    return JsonParser.parseString(Files.readString(p)).getAsJsonObject();
  }

  private static float[] features(JsonArray rows, int dim) {
    float[] out = new float[rows.size() * dim];
    for (int i = 0; i < rows.size(); i++) {
      JsonArray row = rows.get(i).getAsJsonArray();
      assertEquals(dim, row.size(), "row " + i);
      for (int c = 0; c < dim; c++) {
        double v = row.get(c).getAsDouble();
        out[i * dim + c] = (float) v;
        assertEquals(v, out[i * dim + c], 0, "the fixture's features are float32 values");
      }
    }
    return out;
  }

  private static int[][] indices(JsonArray lists) {
    int[][] out = new int[lists.size()][];
    for (int s = 0; s < out.length; s++) {
      JsonArray l = lists.get(s).getAsJsonArray();
      out[s] = new int[l.size()];
      for (int i = 0; i < l.size(); i++) {
        out[s][i] = l.get(i).getAsInt();
      }
    }
    return out;
  }

  private static float[] rows(float[] features, int[] rows, int dim) {
    float[] out = new float[rows.length * dim];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(features, rows[i] * dim, out, i * dim, dim);
    }
    return out;
  }
}
