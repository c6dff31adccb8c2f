package io.decq.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.decq.core.cli.Decq;
import io.decq.core.image.RgbImage;
import io.decq.core.io.HostTensor;
import io.decq.core.io.Npz;
import io.decq.core.io.SafeTensors;
import io.decq.eval.fid.FidGoldenWeights;
import io.decq.eval.fid.FidInception;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code decq eval stats | fd} end to end through the launcher, with the golden FID-Inception weights
 * written as a safetensors file, and their bad-input errors (exit 2, one line naming the problem).
 */
class FidCommandsTest {
  @TempDir static Path dir;
  private static Path weights;
  private static Path samples;
  /** Indices of the golden images in the sample batch (those of the first image's size). */
  private static List<Integer> sameSize;
  private static final Path GOLDEN = FidGoldenWeights.goldenDir();

  @BeforeAll
  static void setUp() throws IOException {
    weights = dir.resolve("fid_inception.safetensors");
    SafeTensors.write(weights, FidGoldenWeights.stateDict());
    // An ADM sample batch (arr_0 uint8 NHWC, arr_1 labels) of the golden images that have the first one's size.
    List<RgbImage> images = FidGoldenWeights.inputImages();
    RgbImage first = images.get(0);
    sameSize = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      if (images.get(i).height() == first.height() && images.get(i).width() == first.width()) {
        sameSize.add(i);
      }
    }
    int n = sameSize.size();
    byte[] rgb = new byte[n * first.rgb().length];
    long[] labels = new long[n];
    for (int k = 0; k < n; k++) {
      System.arraycopy(images.get(sameSize.get(k)).rgb(), 0, rgb, k * first.rgb().length, first.rgb().length);
      labels[k] = 7 + k;
    }
    samples = dir.resolve("samples.npz");
    Map<String, HostTensor> batch = new LinkedHashMap<>();
    batch.put("arr_0", HostTensor.ofBytes(new long[] {n, first.height(), first.width(), 3}, rgb));
    batch.put("arr_1", HostTensor.ofLongs(new long[] {n}, labels));
    Npz.write(samples, batch);
  }

  record Run(int code, String out, String err) {}

  static Run decq(String... args) {
    CommandLine cl = Decq.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  /**
   * mu / sigma of a sample batch of the golden images (forwards of 2 images) equal the mean / covariance
   * of torch-fidelity's golden pool3 features of those images.
   */
  @Test
  @Tag("parity")
  void statsOfASampleBatchMatchTorchFidelityFeatures() {
    Path out = dir.resolve("stats.npz");
    Run r = decq("eval", "stats", "--inception", weights.toString(), "--images", samples.toString(), "--out",
        out.toString(), "--batch", "2", "--device", "cpu");
    assertEquals(0, r.code(), r.err());
    float[] golden = SafeTensors.read(GOLDEN.resolve("fid_inception_expected.safetensors")).get("torch_fidelity.pool3").toFloats();
    int d = FidInception.POOL_DIM;
    int n = sameSize.size();
    assertTrue(n >= 2, "the case needs two golden images of one size for a covariance");
    assertTrue(r.out().contains("statistics of " + n + " images"), r.out());
    Map<String, HostTensor> stats = Npz.read(out);
    assertEquals(List.of("mu", "mu_s", "sigma", "sigma_s"), List.copyOf(stats.keySet()));
    assertArrayEquals(new long[] {FidInception.SPATIAL_DIM, FidInception.SPATIAL_DIM}, stats.get("sigma_s").shape());

    double[] mean = new double[d];
    for (int i : sameSize) {
      for (int j = 0; j < d; j++) {
        mean[j] += golden[i * d + j] / n;
      }
    }
    double muDiff = 0;
    double sigmaDiff = 0;
    double[] mu = stats.get("mu").toDoubles();
    double[] sigma = stats.get("sigma").toDoubles();
    for (int a = 0; a < d; a++) {
      muDiff = Math.max(muDiff, Math.abs(mu[a] - mean[a]));
      for (int b = 0; b < d; b++) {
        double cov = 0;
        for (int i : sameSize) {
          cov += (golden[i * d + a] - mean[a]) * (golden[i * d + b] - mean[b]) / (n - 1);
        }
        sigmaDiff = Math.max(sigmaDiff, Math.abs(sigma[a * d + b] - cov));
      }
    }
    System.out.printf(Locale.ROOT, "decq eval stats vs torch-fidelity pool3: max |mu diff| %.3g, max |sigma diff| %.3g%n",
        muDiff, sigmaDiff);
    assertTrue(muDiff <= 1e-3, "mu: " + muDiff);
    assertTrue(sigmaDiff <= 1e-2, "sigma: " + sigmaDiff);
  }

  @Test
  void fdPrintsTheDistanceAndWritesJson() throws IOException {
    Path json = dir.resolve("fd.json");
    Run r = decq("eval", "fd", GOLDEN.resolve("fid64_set1.npz").toString(), GOLDEN.resolve("fid64_set2.npz").toString(),
        "--out", json.toString());
    assertEquals(0, r.code(), r.err());
    JsonObject o = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
    double fid = o.get("fid").getAsDouble();
    assertEquals(fid, Double.parseDouble(r.out().trim()), 0);
    assertEquals(89.31016060327394, fid, 1e-7); // golden README section 4, pytorch-fid / scipy
  }

  @Test
  void fdOfAnNpzWithoutMuSigmaIsBadInput() {
    Run r = decq("eval", "fd", samples.toString(), GOLDEN.resolve("fid64_set2.npz").toString());
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("no 'mu' and 'sigma' arrays (has: arr_0, arr_1)"), r.err());
  }

  @Test
  void fdOfMismatchedDimensionsIsBadInput() {
    Path small = dir.resolve("three.npz");
    Map<String, HostTensor> s = new LinkedHashMap<>();
    s.put("mu", HostTensor.ofDoubles(new long[] {3}, new double[] {0, 1, 2}));
    s.put("sigma", HostTensor.ofDoubles(new long[] {3, 3}, new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1}));
    Npz.write(small, s);
    Run r = decq("eval", "fd", small.toString(), GOLDEN.resolve("fid64_set2.npz").toString());
    assertEquals(2, r.code(), r.err());
    long dim = Npz.read(GOLDEN.resolve("fid64_set2.npz")).get("mu").shape()[0];
    assertTrue(r.err().contains("feature dimensions differ ('mu' has 3 vs " + dim + " values)"), r.err());
  }

  @Test
  void weightsWithMissingKeysAreBadInput() throws IOException {
    Map<String, HostTensor> state = new LinkedHashMap<>(FidGoldenWeights.stateDict());
    state.remove("Mixed_6d.branch1x1.conv.weight");
    state.remove("fc.bias");
    Path bad = dir.resolve("missing.safetensors");
    SafeTensors.write(bad, state);
    Run r = decq("eval", "stats", "--inception", bad.toString(), "--images", samples.toString(), "--out",
        dir.resolve("never.npz").toString(), "--device", "cpu");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("missing keys (2): Mixed_6d.branch1x1.conv.weight, fc.bias"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(!Files.exists(dir.resolve("never.npz")));
  }

  @Test
  void statsOfASingleImageIsBadInput() throws IOException {
    Path one = Files.createDirectories(dir.resolve("one"));
    Files.copy(GOLDEN.resolve("fid_input3.png"), one.resolve("a.png"));
    Run r = decq("eval", "stats", "--inception", weights.toString(), "--images", one.toString(), "--out",
        dir.resolve("one.npz").toString(), "--device", "cpu");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("a covariance needs at least 2 images"), r.err());
  }

  @Test
  void unknownPreprocessingIsBadInput() {
    Run r = decq("eval", "stats", "--inception", weights.toString(), "--images", samples.toString(), "--out",
        dir.resolve("x.npz").toString(), "--preprocess", "pil");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--preprocess pil: expected tf"), r.err());
  }
}
