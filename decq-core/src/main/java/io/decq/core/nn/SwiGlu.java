package io.decq.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * The SwiGLU feed-forward of RAE's DiT-DH ({@code SwiGLUFFN}): {@code x1, x2 = w12(x).chunk(2)}; {@code
 * w3(silu(x1) * x2)}. Child names {@code w12}, {@code w3}.
 *
 * <p>Dimensions: D model width, h hidden width.
 */
public final class SwiGlu extends DecqBlock {
  private final Linear w12;
  private final Linear w3;

  public SwiGlu(long dim, long hidden) {
    this.w12 = child("w12", new Linear(dim, 2 * hidden, true));
    this.w3 = child("w3", new Linear(hidden, dim, true));
  }

  /** (..., D) -> (..., D). */
  public NDArray forward(NDArray x) {
    NDArray h = w12.forward(x); // (..., 2h)
    NDList halves = h.split(2, h.getShape().dimension() - 1); // 2 x (..., h)
    return w3.forward(Activations.silu(halves.get(0)).mul(halves.get(1)));
  }
}
