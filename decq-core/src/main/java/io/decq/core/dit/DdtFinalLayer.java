package io.decq.core.dit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.decq.core.nn.Activations;
import io.decq.core.nn.DecqBlock;
import io.decq.core.nn.Init;
import io.decq.core.nn.Linear;
import io.decq.core.nn.RmsNorm;

/**
 * RAE's {@code DDTFinalLayer}: {@code shift, scale = adaLN_modulation(s)}; {@code linear(norm_final(x) * (1 +
 * scale) + shift)} (no gate). {@code adaLN_modulation.1} and {@code linear} are zero-initialised, so an
 * untrained model predicts zero velocity.
 *
 * <p>Dimensions: B batch, L tokens, D head width, C output channels (p = 1: one token per latent cell).
 */
final class DdtFinalLayer extends DecqBlock {
  private final RmsNorm norm;
  private final Linear linear;
  private final Linear adaLN;

  DdtFinalLayer(long dim, long channels) {
    norm = child("norm_final", new RmsNorm(dim, DdtBlock.NORM_EPS));
    linear = child("linear", new Linear(dim, channels, true, Init.ZEROS, Init.ZEROS));
    adaLN = child("adaLN_modulation.1", new Linear(dim, 2 * dim, true, Init.ZEROS, Init.ZEROS));
  }

  /** (B, L, D), per-token condition (B, L, D) -> (B, L, C). */
  NDArray forward(NDArray x, NDArray cond) {
    NDList m = adaLN.forward(Activations.silu(cond)).split(2, 2); // 2 x (B, L, D)
    return linear.forward(DdtBlock.modulate(norm.forward(x), m.get(0), m.get(1))); // (B, L, C)
  }
}
