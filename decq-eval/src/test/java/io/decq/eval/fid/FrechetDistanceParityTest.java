package io.decq.eval.fid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Frechet distances against pytorch-fid / scipy on the golden cases (golden README section 4): the 64-d
 * ADM-layout npz pair, and the two 2048-d cases regenerated from their generator spec, whose moments go
 * through {@link FeatureMoments} and are checked against numpy's first.
 */
@Tag("parity")
class FrechetDistanceParityTest {
  private static JsonObject expected;

  @BeforeAll
  static void load() throws IOException {
    expected = JsonParser.parseString(Files.readString(FidGoldenWeights.goldenDir().resolve("fid_frechet_expected.json")))
        .getAsJsonObject();
  }

  @Test
  void fid64MatchesScipy() {
    FidStats a = FidStats.read(FidGoldenWeights.goldenDir().resolve("fid64_set1.npz"), FidStats.MU, FidStats.SIGMA);
    FidStats b = FidStats.read(FidGoldenWeights.goldenDir().resolve("fid64_set2.npz"), FidStats.MU, FidStats.SIGMA);
    double want = expected.getAsJsonObject("fid64").getAsJsonObject("expected").get("fid_pytorch_fid_scipy_sqrtm").getAsDouble();
    check("fid64", FrechetDistance.compute(a, b), want, 1e-9 * want);
  }

  /** The eigendecomposition factor (used when S1 is singular) gives the Cholesky path's value on full-rank S1. */
  @Test
  void fid64EigenFactorAgreesWithCholeskyFactor() {
    FidStats a = FidStats.read(FidGoldenWeights.goldenDir().resolve("fid64_set1.npz"), FidStats.MU, FidStats.SIGMA);
    FidStats b = FidStats.read(FidGoldenWeights.goldenDir().resolve("fid64_set2.npz"), FidStats.MU, FidStats.SIGMA);
    assertEquals(a.dim(), b.dim(), "both sets have one feature size");
    double chol = FrechetDistance.traceSqrtProduct(a.sigma(), b.sigma(), a.dim(), true);
    double eig = FrechetDistance.traceSqrtProduct(a.sigma(), b.sigma(), a.dim(), false);
    System.out.printf(Locale.ROOT, "tr sqrt(S1 S2) %d-d: Cholesky factor %.12f, eigen factor %.12f%n", a.dim(), chol, eig);
    assertEquals(chol, eig, 1e-10 * chol);
  }

  @Test
  void fid2048FullRankMatchesScipy() {
    runCase("fid2048_full", 1e-8, 0);
  }

  /** Rank 999 of 2048: the eigendecomposition path (about 30 s on 2 cores, hence slow). */
  @Tag("slow")
  @Test
  void fid2048RankDeficientMatchesScipy() {
    runCase("fid2048_deficient", 0, 1e-4);
  }

  private static void runCase(String name, double relTol, double absTol) {
    JsonObject c = expected.getAsJsonObject(name);
    FidStats[] stats = new FidStats[2];
    for (int s = 0; s < 2; s++) {
      JsonObject set = c.getAsJsonArray("sets").get(s).getAsJsonObject();
      stats[s] = moments(set);
      checkMoments(name + " set " + s, stats[s], set.getAsJsonObject("expected_moments"));
    }
    long t0 = System.nanoTime();
    double fid = FrechetDistance.compute(stats[0], stats[1]);
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf(Locale.ROOT, "Frechet distance %s (%d-d): %.3f s%n", name, stats[0].dim(), seconds);
    double want = c.getAsJsonObject("expected").get("fid_pytorch_fid_scipy_sqrtm").getAsDouble();
    check(name, fid, want, Math.max(absTol, relTol * want));
  }

  /** Regenerates one 2048-d sample set (README section 4) and takes its moments with {@link FeatureMoments}. */
  private static FidStats moments(JsonObject set) {
    int n = set.get("n").getAsInt();
    int d = set.get("d").getAsInt();
    int k = set.get("k").getAsInt();
    int amp = set.get("amp").getAsInt();
    long seed = set.get("seed").getAsLong();
    int[] z = ints(seed, n * k, -4, 4);
    int[] m = ints(seed + 1, k * d, -2, 2);
    int[] e = ints(seed + 2, n * d, -8, 8);
    int[] c = ints(seed + 3, d, -10, 10);
    int chunk = 500;
    try (NDManager manager = NDManager.newBaseManager(); FeatureMoments moments = new FeatureMoments(manager, "generated")) {
      for (int start = 0; start < n; start += chunk) {
        int rows = Math.min(chunk, n - start);
        double[] x = new double[rows * d];
        for (int r = 0; r < rows; r++) {
          int i = start + r;
          for (int j = 0; j < d; j++) {
            long v = (long) amp * e[i * d + j] + c[j];
            for (int t = 0; t < k; t++) {
              v += (long) z[i * k + t] * m[t * d + j];
            }
            x[r * d + j] = v * 0x1.0p-7;
          }
        }
        try (NDManager batch = manager.newSubManager()) {
          NDArray a = batch.create(x, new Shape(rows, d)); // (rows, D) float64
          moments.add(a);
        }
      }
      return moments.stats();
    }
  }

  /** {@code floor(SplittableRandom(s).nextDouble() * (hi - lo + 1)) + lo}, i-th draw, row-major. */
  private static int[] ints(long seed, int count, int lo, int hi) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] out = new int[count];
    for (int i = 0; i < count; i++) {
      out[i] = (int) Math.floor(r.nextDouble() * (hi - lo + 1)) + lo;
    }
    return out;
  }

  private static void checkMoments(String what, FidStats s, JsonObject want) {
    int d = s.dim();
    double muSum = 0;
    double trace = 0;
    double sum = 0;
    double fro = 0;
    for (int i = 0; i < d; i++) {
      muSum += s.mu()[i];
      trace += s.sigma()[i * d + i];
    }
    for (double v : s.sigma()) {
      sum += v;
      fro += v * v;
    }
    assertClose(what + " mu_sum", want.get("mu_sum").getAsDouble(), muSum, 1e-12 * d);
    assertClose(what + " mu_first", want.get("mu_first").getAsDouble(), s.mu()[0], 1e-14);
    assertClose(what + " mu_last", want.get("mu_last").getAsDouble(), s.mu()[d - 1], 1e-14);
    assertClose(what + " sigma_trace", want.get("sigma_trace").getAsDouble(), trace, 1e-10);
    assertClose(what + " sigma_sum", want.get("sigma_sum").getAsDouble(), sum, 1e-9);
    assertClose(what + " sigma_fro", want.get("sigma_fro").getAsDouble(), Math.sqrt(fro), 1e-10);
    assertClose(what + " sigma_00", want.get("sigma_00").getAsDouble(), s.sigma()[0], 1e-14);
    assertClose(what + " sigma_01", want.get("sigma_01").getAsDouble(), s.sigma()[1], 1e-14);
    assertClose(what + " sigma_last", want.get("sigma_last").getAsDouble(), s.sigma()[d * d - 1], 1e-14);
  }

  private static void assertClose(String what, double want, double got, double tol) {
    assertEquals(want, got, tol, what);
  }

  private static void check(String name, double got, double want, double tol) {
    double diff = Math.abs(got - want);
    System.out.printf(Locale.ROOT, "Frechet distance %s: %.10f vs scipy %.10f, |diff| = %.3g (tolerance %.3g)%n",
        name, got, want, diff, tol);
    assertTrue(diff <= tol, name + ": |diff| " + diff + " > " + tol);
  }
}
