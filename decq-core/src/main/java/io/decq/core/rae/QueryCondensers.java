package io.decq.core.rae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.decq.core.nn.DecqBlock;
import io.decq.core.nn.Init;
import io.decq.core.nn.LayerNorm;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * DecQ's detail-condensing queries: Q learnable tokens that pass through one {@link Condenser} per
 * encoder tap, in tap order, and end in a LayerNorm without affine (like the patch latent, so both live
 * on the same scale).
 *
 * <p>Parameters (state-dict names): {@code query_tokens} (1, Q, C), trunc-normal std 0.02; {@code
 * condensers.{k}.*} for the k-th tap ({@code norm1}, {@code norm_context}, {@code attn.{q,k,v,proj}},
 * {@code norm2}, {@code mlp.{fc1,fc2}}).
 *
 * <p>Dimensions: B batch, Q queries, C encoder width, P prefix (CLS/register) tokens, T patch tokens.
 */
public final class QueryCondensers extends DecqBlock {
  private final int count;
  private final long width;
  private final List<Integer> taps;
  private final boolean includePrefix;
  private final Parameter queries;
  private final List<Condenser> condensers = new ArrayList<>();

  /**
   * @param count Q (at least 1)
   * @param width C
   * @param taps hidden-state indices, in the order the queries visit them
   * @param includePrefix whether keys/values include the P prefix tokens of each hidden state
   * @param heads condenser attention heads (must divide C)
   * @param mlpHidden condenser MLP hidden width
   */
  public QueryCondensers(int count, long width, List<Integer> taps, boolean includePrefix, int heads, long mlpHidden) {
    if (count < 1 || taps.isEmpty()) {
      throw new IllegalArgumentException("queries need a count >= 1 and at least one tap");
    }
    this.count = count;
    this.width = width;
    this.taps = List.copyOf(taps);
    this.includePrefix = includePrefix;
    queries = param("query_tokens", Init.truncNormal(0.02), 1, count, width);
    for (int k = 0; k < taps.size(); k++) {
      condensers.add(child("condensers." + k, new Condenser(width, heads, mlpHidden)));
    }
  }

  /** The hidden-state indices the condensers read. */
  public List<Integer> taps() {
    return taps;
  }

  /**
   * The final query state.
   *
   * @param hiddenStates encoder hidden states by index, each (B, P + T, C); must hold every tap
   * @param prefixTokens P, the leading CLS/register tokens of each hidden state
   * @return (B, Q, C), layer-normalised without affine; gradients reach the queries and condensers,
   *     never the hidden states
   */
  public NDArray forward(Map<Integer, NDArray> hiddenStates, int prefixTokens) {
    NDArray first = hidden(hiddenStates, taps.get(0));
    NDArray q = ViTDecoder.expand(value(queries), first, new Shape(first.getShape().get(0), count, width)); // (B, Q, C)
    for (int k = 0; k < taps.size(); k++) {
      NDArray h = hidden(hiddenStates, taps.get(k)); // (B, P + T, C)
      NDArray context = includePrefix || prefixTokens == 0 ? h : h.get(":, " + prefixTokens + ":, :"); // (B, M, C)
      q = condensers.get(k).forward(q, context);
    }
    return LayerNorm.normalize(q, (float) Condenser.EPS); // (B, Q, C)
  }

  private static NDArray hidden(Map<Integer, NDArray> hiddenStates, int tap) {
    NDArray h = hiddenStates.get(tap);
    if (h == null) {
      throw new IllegalArgumentException("the encoder output lacks hidden state " + tap + " (has " + hiddenStates.keySet() + ")");
    }
    return h;
  }
}
