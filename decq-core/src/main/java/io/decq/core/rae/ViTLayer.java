package io.decq.core.rae;

import ai.djl.ndarray.NDArray;
import io.decq.core.nn.Activations;
import io.decq.core.nn.Attention;
import io.decq.core.nn.DecqBlock;
import io.decq.core.nn.LayerNorm;
import io.decq.core.nn.Linear;

/**
 * One pre-LN transformer layer of the pixel decoder, laid out as HF's {@code ViTMAELayer} (RAE's
 * decoder layer): {@code x += attention(layernorm_before(x)); x += output(gelu(intermediate(layernorm_after(x))))}.
 *
 * <p>Dimensions: B batch, L sequence length, D width.
 */
final class ViTLayer extends DecqBlock {
  private final LayerNorm before;
  private final Attention attention;
  private final LayerNorm after;
  private final Linear intermediate;
  private final Linear output;

  ViTLayer(long dim, int heads, long mlp, double eps) {
    before = child("layernorm_before", new LayerNorm(dim, eps, true));
    attention = child("attention", new Attention(dim, dim, heads, true,
        Attention.Names.separate("attention.query", "attention.key", "attention.value", "output.dense")));
    after = child("layernorm_after", new LayerNorm(dim, eps, true));
    intermediate = child("intermediate.dense", new Linear(dim, mlp, true));
    output = child("output.dense", new Linear(mlp, dim, true));
  }

  /** (B, L, D) -> (B, L, D). */
  NDArray forward(NDArray x) {
    x = x.add(attention.forward(before.forward(x))); // (B, L, D)
    return x.add(output.forward(Activations.gelu(intermediate.forward(after.forward(x))))); // (B, L, D)
  }
}
