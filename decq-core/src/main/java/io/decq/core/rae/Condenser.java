package io.decq.core.rae;

import ai.djl.ndarray.NDArray;
import io.decq.core.nn.Activations;
import io.decq.core.nn.Attention;
import io.decq.core.nn.DecqBlock;
import io.decq.core.nn.LayerNorm;
import io.decq.core.nn.Mlp;

/**
 * One condenser: the queries read one encoder layer's tokens.
 *
 * <pre>
 *   q = q + attn(norm1(q), norm_context(h))
 *   q = q + mlp(norm2(q))
 * </pre>
 *
 * Information flows one way, encoder tokens to queries; {@code h} is detached.
 *
 * <p>Dimensions: B batch, Q queries, M context tokens, C width (encoder width).
 */
final class Condenser extends DecqBlock {
  /** LayerNorm eps of the condensers (the encoders' own eps). */
  static final double EPS = 1e-6;

  private final LayerNorm norm1;
  private final LayerNorm normContext;
  private final Attention attn;
  private final LayerNorm norm2;
  private final Mlp mlp;

  Condenser(long width, int heads, long mlpHidden) {
    norm1 = child("norm1", new LayerNorm(width, EPS, true));
    normContext = child("norm_context", new LayerNorm(width, EPS, true));
    attn = child("attn", new Attention(width, width, heads, true, Attention.Names.separate("q", "k", "v", "proj")));
    norm2 = child("norm2", new LayerNorm(width, EPS, true));
    mlp = child("mlp", new Mlp(width, mlpHidden, Activations.Kind.GELU, "fc1", "fc2"));
  }

  /** (B, Q, C), (B, M, C) -> (B, Q, C). */
  NDArray forward(NDArray q, NDArray context) {
    q = q.add(attn.forward(norm1.forward(q), normContext.forward(context.stopGradient()), null)); // (B, Q, C)
    return q.add(mlp.forward(norm2.forward(q))); // (B, Q, C)
  }
}
