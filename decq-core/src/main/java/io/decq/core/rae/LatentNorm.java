package io.decq.core.rae;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import io.decq.core.error.BadInputException;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import io.decq.core.nn.DecqBlock;
import io.decq.core.nn.Init;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-element latent statistics and the normalisation {@code z' = (z - mean) / sqrt(var + 1e-5)}; decode
 * applies the inverse first. Patch tokens and query tokens have their own statistics.
 *
 * <p>The statistics are non-trainable parameters ({@code latent_norm.patch_mean}, {@code patch_var} [T,
 * C], {@code query_mean}, {@code query_var} [Q, C]) so a checkpoint carries the statistics its latents
 * were normalised with. A fresh model has mean 0, var 1.
 *
 * <p>Patch statistics come from a statistics file ({@link #load}: {@code patch.mean}, {@code patch.var}
 * F32 [T, C], the layout {@code decq stats} writes) or, when a run names none, from a pass over its
 * training images; a checkpoint carries them afterwards. Query statistics need trained condensers: during
 * stage 1 they are a running estimate (momentum 0.1, as RAE's statistics script) of the clean query
 * latent of each training batch ({@link #updateQueryEstimate}), stored with the checkpoint. Stage-1
 * reconstruction does not depend on them (decode inverts the same normalisation), so the estimate may
 * move freely while the condensers train. No command writes query statistics to a file; {@link #load}
 * takes {@code query.mean}, {@code query.var} F32 [Q, C] when a file has them.
 *
 * <p>Dimensions: B batch, T patch tokens, Q queries, C width.
 */
public final class LatentNorm extends DecqBlock {
  /** The eps under the square root (RAE's {@code latent_norm_eps}). */
  public static final float EPS = 1e-5f;
  /** Weight of the newest batch in the running query estimate. */
  public static final float MOMENTUM = 0.1f;

  private static final Logger LOG = LoggerFactory.getLogger(LatentNorm.class);

  private final int tokens;
  private final int queries;
  private final long width;
  private final Parameter patchMean;
  private final Parameter patchVar;
  private final Parameter queryMean;
  private final Parameter queryVar;

  LatentNorm(int tokens, int queries, long width) {
    this.tokens = tokens;
    this.queries = queries;
    this.width = width;
    patchMean = param("patch_mean", Init.ZEROS, false, tokens, width);
    patchVar = param("patch_var", Init.ONES, false, tokens, width);
    if (queries > 0) {
      queryMean = param("query_mean", Init.ZEROS, false, queries, width);
      queryVar = param("query_var", Init.ONES, false, queries, width);
    } else {
      queryMean = null;
      queryVar = null;
    }
  }

  /** (B, T, C) raw -> normalised. */
  NDArray normalizePatches(NDArray z) {
    return normalize(z, patchMean, patchVar);
  }

  /** (B, Q, C) raw -> normalised. */
  NDArray normalizeQueries(NDArray z) {
    return normalize(z, queryMean, queryVar);
  }

  /** (B, T, C) normalised -> raw. */
  NDArray denormalizePatches(NDArray z) {
    return denormalize(z, patchMean, patchVar);
  }

  /** (B, Q, C) normalised -> raw. */
  NDArray denormalizeQueries(NDArray z) {
    return denormalize(z, queryMean, queryVar);
  }

  private static NDArray normalize(NDArray z, Parameter mean, Parameter var) {
    return z.sub(value(mean)).div(std(z, var));
  }

  private static NDArray denormalize(NDArray z, Parameter mean, Parameter var) {
    return z.mul(std(z, var)).add(value(mean));
  }

  /** sqrt(var + eps), computed in {@code like}'s manager. */
  private static NDArray std(NDArray like, Parameter var) {
    return like.getManager().create(EPS).add(value(var)).sqrt();
  }

  /**
   * Moves the query statistics toward this batch's (momentum {@link #MOMENTUM}): mean <- 0.9 mean + 0.1
   * batch mean, var <- 0.9 var + 0.1 unbiased batch var, per element. Batches of one image are skipped.
   *
   * @param rawQueries (B, Q, C), the clean (un-noised) query latent; no gradient is taken
   */
  void updateQueryEstimate(NDArray rawQueries) {
    long b = rawQueries.getShape().get(0);
    if (queries == 0 || b < 2) {
      return;
    }
    NDArray z = rawQueries.stopGradient();
    NDArray batchMean = z.mean(new int[] {0}); // (Q, C)
    NDArray batchVar = z.sub(batchMean).square().sum(new int[] {0}).div((float) (b - 1)); // (Q, C)
    // In place, with the step's arrays as first operands, so nothing new lands in the model's manager.
    value(queryMean).addi(batchMean.sub(value(queryMean)).mul(MOMENTUM));
    value(queryVar).addi(batchVar.sub(value(queryVar)).mul(MOMENTUM));
  }

  /**
   * Loads statistics from a file in the agreed layout. Patch statistics are required; query statistics
   * are taken when present and otherwise keep their current values (a warning says so).
   */
  public void load(Path file) {
    Map<String, HostTensor> stats = SafeTensors.read(file);
    set(file, stats, "patch.mean", patchMean, tokens);
    set(file, stats, "patch.var", patchVar, tokens);
    if (queries > 0) {
      if (stats.containsKey("query.mean") && stats.containsKey("query.var")) {
        set(file, stats, "query.mean", queryMean, queries);
        set(file, stats, "query.var", queryVar, queries);
      } else {
        LOG.warn("{} has no query statistics; keeping the checkpoint's running estimate", file);
      }
    }
  }

  private void set(Path file, Map<String, HostTensor> stats, String key, Parameter p, int rows) {
    HostTensor t = stats.get(key);
    if (t == null) {
      throw new BadInputException(file + ": latent statistics file lacks '" + key + "'");
    }
    long[] want = {rows, width};
    if (!Arrays.equals(t.shape(), want) || !t.dtype().isFloating()) {
      throw new BadInputException(file + ": '" + key + "' has shape " + Arrays.toString(t.shape()) + " " + t.dtype()
          + ", expected a float tensor of shape " + Arrays.toString(want));
    }
    NDArray dst = value(p);
    try (NDArray src = dst.getManager().create(t.toFloats(), dst.getShape())) {
      assign(dst, src);
    }
  }
}
