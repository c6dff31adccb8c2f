package io.decq.core.config;

import java.util.List;

/**
 * The {@code queries} section: DecQ's detail-condensing queries and the condensers that feed them from
 * intermediate encoder layers (the equations are in {@code io.decq.core.rae.Condenser} and {@code QueryCondensers}).
 *
 * @param count number of learnable query tokens; 0 gives the plain RAE baseline (no queries, no
 *     condensers)
 * @param taps encoder hidden-state indices the condensers read, strictly increasing (0 = embedding
 *     output, k = after block k; each must be at most the encoder's depth, checked when the encoder is
 *     known); queries pass through one condenser per tap, in this order
 * @param includePrefixTokens whether the condensers also attend to the encoder's CLS/register tokens
 *     (default: patch tokens only)
 * @param heads attention heads of each condenser's cross-attention; must divide the encoder width
 * @param mlpRatio hidden width of each condenser's MLP as a multiple of the encoder width
 */
public record QueriesConfig(int count, List<Integer> taps, boolean includePrefixTokens, int heads, double mlpRatio) {
  public QueriesConfig {
    Check.atLeast("count", count, 0);
    Check.that(taps != null, "taps", "must be a list of hidden-state indices");
    for (int i = 0; i < taps.size(); i++) {
      Check.atLeast("taps", taps.get(i), 0);
      Check.that(i == 0 || taps.get(i) > taps.get(i - 1), "taps",
          "must be strictly increasing hidden-state indices, got " + taps);
    }
    Check.that(count == 0 || !taps.isEmpty(), "taps",
        "must name at least one encoder hidden-state index when count > 0 (queries need condensers), got []");
    Check.atLeast("heads", heads, 1);
    Check.positive("mlp_ratio", mlpRatio);
    taps = List.copyOf(taps);
  }

  public static QueriesConfig defaults() {
    return new QueriesConfig(8, List.of(0, 3, 6, 9), false, 12, 4.0);
  }
}
