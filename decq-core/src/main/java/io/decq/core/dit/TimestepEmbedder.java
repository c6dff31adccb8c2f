package io.decq.core.dit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import io.decq.core.nn.Activations;
import io.decq.core.nn.DecqBlock;
import io.decq.core.nn.Init;
import io.decq.core.nn.Linear;

/**
 * RAE's {@code GaussianFourierEmbedding}: {@code arg = t * W * 2 * pi}, {@code [sin(arg) ; cos(arg)]}, then
 * {@code mlp.0} (2F -> D), SiLU, {@code mlp.2} (D -> D). {@code W} holds F = 256 frequencies drawn N(0, 1)
 * once at initialisation and frozen: a checkpoint carries them ({@code t_embedder.W}) and they are
 * loaded, never recomputed.
 *
 * <p>Dimensions: B batch, F frequencies, D width.
 */
final class TimestepEmbedder extends DecqBlock {
  /** F, RAE's {@code embedding_size}. */
  static final int FREQUENCIES = 256;

  private static final float TWO = 2f;
  private static final float PI = (float) Math.PI;

  private final Parameter w;
  private final Linear fc1;
  private final Linear fc2;

  TimestepEmbedder(long dim) {
    w = param("W", Init.normal(1.0), false, FREQUENCIES);
    fc1 = child("mlp.0", new Linear(2L * FREQUENCIES, dim, true, Init.normal(0.02), Linear.torchDefault(2L * FREQUENCIES)));
    fc2 = child("mlp.2", new Linear(dim, dim, true, Init.normal(0.02), Linear.torchDefault(dim)));
  }

  /** (B) -> (B, D). */
  NDArray forward(NDArray t) {
    NDArray arg = t.expandDims(1).mul(value(w)).mul(TWO).mul(PI); // (B, F), in the reference's order
    NDArray features = NDArrays.concat(new NDList(arg.sin(), arg.cos()), 1); // (B, 2F)
    return fc2.forward(Activations.silu(fc1.forward(features))); // (B, D)
  }
}
