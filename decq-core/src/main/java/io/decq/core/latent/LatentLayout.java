package io.decq.core.latent;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import java.util.Arrays;

/**
 * The shape of DecQ's joint latent, and the one place that says which tokens are queries: a (B, Q + g*g, C)
 * array whose first Q tokens are the query tokens, followed by the g*g patch tokens in row-major order
 * (token Q + n is the patch at row {@code n / g}, column {@code n % g}). With Q = 0 it is RAE's patch
 * latent, whose 2-D form (B, C, g, g) RAE's stage 2 works in.
 *
 * <p>Dimensions: B batch, Q query tokens, g token-grid side, T = g*g patch tokens, L = Q + T tokens, C
 * channels (the encoder width).
 *
 * @param queries Q, query tokens (0: RAE)
 * @param grid g, side of the square patch-token grid
 * @param channels C, channels per token
 */
public record LatentLayout(int queries, int grid, int channels) {
  public LatentLayout {
    if (queries < 0 || grid < 1 || channels < 1) {
      throw new IllegalArgumentException("invalid latent layout: " + queries + " queries, grid " + grid + ", " + channels + " channels");
    }
  }

  /** T = g*g, the patch tokens. */
  public int patchTokens() {
    return grid * grid;
  }

  /** L = Q + g*g, all tokens. */
  public int tokens() {
    return queries + patchTokens();
  }

  /** L * C, the latent values per image. */
  public long values() {
    return (long) tokens() * channels;
  }

  /** Fails unless {@code joint} is (B, L, C). */
  public void check(NDArray joint, String what) {
    long[] s = joint.getShape().getShape();
    if (s.length != 3 || s[1] != tokens() || s[2] != channels) {
      throw new IllegalArgumentException(what + " has shape " + Arrays.toString(s) + ", expected (B, " + tokens() + ", "
          + channels + ") for " + this);
    }
  }

  /** The query tokens: (B, L, C) -> (B, Q, C). */
  public NDArray splitQueries(NDArray joint) {
    return joint.get(":, :" + queries + ", :");
  }

  /** The patch tokens: (B, L, C) -> (B, T, C). */
  public NDArray splitPatches(NDArray joint) {
    return queries == 0 ? joint : joint.get(":, " + queries + ":, :");
  }

  /**
   * The joint latent of queries and patches: (B, Q, D), (B, T, D) -> (B, L, D); any width D. With Q = 0,
   * {@code queryTokens} may be null and the patches are returned as they are.
   */
  public NDArray join(NDArray queryTokens, NDArray patches) {
    if (queries == 0) {
      return patches;
    }
    return NDArrays.concat(new NDList(queryTokens, patches), 1);
  }

  /** RAE's 2-D latent of patch tokens: (B, T, C) -> (B, C, g, g). */
  public NDArray toGrid(NDArray patches) {
    long b = patches.getShape().get(0);
    return patches.transpose(0, 2, 1).reshape(b, channels, grid, grid);
  }

  /** Patch tokens of RAE's 2-D latent: (B, C, g, g) -> (B, T, C). */
  public NDArray fromGrid(NDArray latent) {
    long b = latent.getShape().get(0);
    return latent.reshape(b, channels, patchTokens()).transpose(0, 2, 1);
  }
}
