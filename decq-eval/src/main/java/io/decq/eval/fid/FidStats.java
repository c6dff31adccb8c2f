package io.decq.eval.fid;

import io.decq.core.error.BadInputException;
import io.decq.core.io.HostTensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Gaussian statistics of a feature set: mean {@code mu (D)} and covariance {@code sigma (D, D)},
 * row-major, float64; the ADM evaluator's reference-batch layout ({@code mu}, {@code sigma} and, for
 * sFID, {@code mu_s}, {@code sigma_s}).
 */
public record FidStats(double[] mu, double[] sigma) {
  public static final String MU = "mu";
  public static final String SIGMA = "sigma";
  public static final String MU_SPATIAL = "mu_s";
  public static final String SIGMA_SPATIAL = "sigma_s";

  public FidStats {
    if ((long) mu.length * mu.length != sigma.length) {
      throw new IllegalArgumentException("sigma of " + sigma.length + " values does not fit mu of " + mu.length);
    }
  }

  public int dim() {
    return mu.length;
  }

  /** Whether the archive holds both {@code muKey} and {@code sigmaKey}. */
  public static boolean present(Path npz, String muKey, String sigmaKey) {
    Set<String> names = NpzArrays.names(npz);
    return names.contains(muKey) && names.contains(sigmaKey);
  }

  /**
   * Reads {@code muKey} (shape (D)) and {@code sigmaKey} (shape (D, D)) from an {@code .npz}, any floating
   * dtype (widened to float64), without touching the archive's other arrays.
   */
  public static FidStats read(Path npz, String muKey, String sigmaKey) {
    Set<String> names = NpzArrays.names(npz);
    if (!names.contains(muKey) || !names.contains(sigmaKey)) {
      throw new BadInputException(npz + ": no '" + muKey + "' and '" + sigmaKey + "' arrays (has: "
          + String.join(", ", names) + "); expected FID statistics as `decq eval stats` or the ADM evaluator's "
          + "reference batches write them");
    }
    HostTensor mu = NpzArrays.read(npz, muKey);
    HostTensor sigma = NpzArrays.read(npz, sigmaKey);
    if (mu.shape().length != 1 || !mu.dtype().isFloating()) {
      throw new BadInputException(npz + ": '" + muKey + "' must be a 1-D float array, got " + mu);
    }
    long d = mu.shape()[0];
    if (!Arrays.equals(sigma.shape(), new long[] {d, d}) || !sigma.dtype().isFloating()) {
      throw new BadInputException(npz + ": '" + sigmaKey + "' must be a float array of shape [" + d + ", " + d
          + "] to match '" + muKey + "', got " + sigma);
    }
    return new FidStats(mu.toDoubles(), sigma.toDoubles());
  }

  /** This as {@code {muKey: (D) F64, sigmaKey: (D, D) F64}} for an {@code .npz}. */
  public Map<String, HostTensor> arrays(String muKey, String sigmaKey) {
    Map<String, HostTensor> out = new LinkedHashMap<>();
    out.put(muKey, HostTensor.ofDoubles(new long[] {mu.length}, mu));
    out.put(sigmaKey, HostTensor.ofDoubles(new long[] {mu.length, mu.length}, sigma));
    return out;
  }
}
