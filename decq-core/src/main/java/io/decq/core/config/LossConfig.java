package io.decq.core.config;

/**
 * The {@code loss} section: the weights of the stage-1 reconstruction loss, {@code loss = l1_weight *
 * L1 + l2_weight * L2}, both on [0, 1] pixels (mean over every pixel and channel). A term whose weight is
 * 0 is not computed. The RAE recipe adds LPIPS (weight 1) and an adaptive-weighted GAN term (weight
 * 0.75); their weights join this section when those terms are implemented.
 *
 * @param l1Weight weight of the mean absolute error
 * @param l2Weight weight of the mean squared error
 */
public record LossConfig(double l1Weight, double l2Weight) {
  public LossConfig {
    Check.atLeast("l1_weight", l1Weight, 0.0);
    Check.atLeast("l2_weight", l2Weight, 0.0);
    Check.that(l1Weight > 0 || l2Weight > 0, "l1_weight",
        "at least one loss weight must be > 0 (l1_weight, l2_weight), got both 0");
  }

  public static LossConfig defaults() {
    return new LossConfig(1.0, 0.0);
  }
}
