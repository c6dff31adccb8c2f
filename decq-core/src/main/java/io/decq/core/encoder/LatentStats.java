package io.decq.core.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.decq.core.error.BadInputException;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Per-element statistics of a latent over a dataset: mean and variance of every (token, channel)
 * position, shape [T, C], accumulated in float64 (Welford's update, exact in one pass). The variance is
 * the population variance (divided by the count). The autoencoder normalises with {@code z = (z - mean)
 * / sqrt(var + 1e-5)}.
 *
 * <p>File layout: safetensors with {@code <group>.mean} and {@code <group>.var} as F32 [T, C] and
 * metadata {@code count} (images), {@code encoder} (path), {@code family}; {@code decq stats} writes the
 * group {@code patch} (the patch latent). The autoencoder also reads a group {@code query} (the query
 * tokens, [Q, C]) when a file has one.
 *
 * @param tokens T
 * @param channels C
 * @param count number of latents accumulated
 * @param mean [T * C] row-major
 * @param var [T * C] row-major
 */
public record LatentStats(int tokens, int channels, long count, double[] mean, double[] var) {
  /** The name of the patch-latent group in the statistics file. */
  public static final String PATCH = "patch";

  /** Accumulates latents of shape [T, C] one at a time. */
  public static final class Accumulator {
    private final int tokens;
    private final int channels;
    private final double[] mean;
    private final double[] m2;
    private long count;

    public Accumulator(int tokens, int channels) {
      this.tokens = tokens;
      this.channels = channels;
      this.mean = new double[tokens * channels];
      this.m2 = new double[tokens * channels];
    }

    /** Adds {@code batch} latents stored row-major in {@code values} ([batch, T, C]). */
    public void add(float[] values, int batch) {
      int n = tokens * channels;
      if (values.length != (long) batch * n) {
        throw new IllegalArgumentException("expected " + batch + " x " + tokens + " x " + channels + " values, got " + values.length);
      }
      for (int b = 0; b < batch; b++) {
        count++;
        int off = b * n;
        for (int i = 0; i < n; i++) {
          double x = values[off + i];
          double delta = x - mean[i];
          mean[i] += delta / count;
          m2[i] += delta * (x - mean[i]);
        }
      }
    }

    public LatentStats result() {
      if (count == 0) {
        throw new IllegalStateException("no latents accumulated");
      }
      double[] var = new double[m2.length];
      for (int i = 0; i < var.length; i++) {
        var[i] = m2[i] / count;
      }
      return new LatentStats(tokens, channels, count, mean.clone(), var);
    }
  }

  /** The means as a float32 [T, C] tensor. */
  public HostTensor meanTensor() {
    return HostTensor.ofFloats(new long[] {tokens, channels}, toFloats(mean));
  }

  /** The variances as a float32 [T, C] tensor. */
  public HostTensor varTensor() {
    return HostTensor.ofFloats(new long[] {tokens, channels}, toFloats(var));
  }

  /** Writes this as group {@code group} (e.g. {@link #PATCH}) of a statistics file with {@code metadata}; count is added. */
  public void write(Path file, String group, Map<String, String> metadata) {
    Map<String, HostTensor> tensors = new LinkedHashMap<>();
    tensors.put(group + ".mean", meanTensor());
    tensors.put(group + ".var", varTensor());
    Map<String, String> meta = new LinkedHashMap<>(metadata);
    meta.put("count", Long.toString(count));
    SafeTensors.write(file, tensors, meta);
  }

  /** Reads group {@code group} of a statistics file. */
  public static LatentStats read(Path file, String group) {
    SafeTensors.Contents c = SafeTensors.readWithMetadata(file);
    HostTensor m = c.tensors().get(group + ".mean");
    HostTensor v = c.tensors().get(group + ".var");
    if (m == null || v == null) {
      throw new BadInputException(file + ": no " + group + ".mean / " + group + ".var (expected a decq stats file)");
    }
    if (m.shape().length != 2 || !Arrays.equals(m.shape(), v.shape()) || !m.dtype().isFloating() || !v.dtype().isFloating()) {
      throw new BadInputException(file + ": " + group + ".mean and " + group + ".var must both be float [T, C], got "
          + m + " and " + v);
    }
    long count;
    try {
      count = Long.parseLong(c.metadata().getOrDefault("count", "0"));
    } catch (NumberFormatException e) {
      throw new BadInputException(file + ": metadata count is not an integer: " + c.metadata().get("count"));
    }
    return new LatentStats((int) m.shape()[0], (int) m.shape()[1], count, m.toDoubles(), v.toDoubles());
  }

  private static float[] toFloats(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }

  /** The patch-latent statistics of {@code files} under {@code encoder}, encoded {@code batch} at a time. */
  public static LatentStats compute(FrozenEncoder encoder, List<Path> files, int batch) {
    if (batch < 1) {
      throw new BadInputException("batch size: must be >= 1, got " + batch);
    }
    Accumulator acc = new Accumulator(encoder.patchTokens(), encoder.width());
    try (NDManager manager = NDManager.newBaseManager(encoder.device())) {
      for (int from = 0; from < files.size(); from += batch) {
        List<Path> chunk = files.subList(from, Math.min(files.size(), from + batch));
        try (NDManager step = manager.newSubManager()) {
          NDArray x = ImageBatches.load(step, chunk, encoder.imageSize()); // (B, 3, S, S)
          acc.add(encoder.encode(x, Set.of()).latent().toFloatArray(), chunk.size()); // (B, T, C)
        }
      }
    }
    return acc.result();
  }
}
