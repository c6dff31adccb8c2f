package io.decq.core.config;

import java.util.List;

/**
 * The {@code loss} section: the stage-1 objective. The decoder minimises {@code l1_weight * L1 + l2_weight *
 * L2 + lpips_weight * LPIPS + gan_weight * d * L_gan} (L1/L2 on [0, 1] pixels, LPIPS on [-1, 1], {@code d}
 * the VQGAN adaptive weight clamped at {@code max_adaptive_weight}, {@code L_gan = -mean D(x_hat)} from
 * {@code gan_start_epoch}); a discriminator with its own AdamW learns from {@code disc_start_epoch} when
 * {@code gan_weight > 0}. A term whose weight is 0 is not computed. The defaults train with L1 alone; the
 * RAE recipe ({@code configs/recon-dinov2-b-vitxl.yaml}) sets LPIPS 1.0 and GAN 0.75.
 *
 * @param l1Weight weight of the mean absolute error
 * @param l2Weight weight of the mean squared error
 * @param lpipsWeight weight of LPIPS (VGG16, v0.1)
 * @param lpipsTrunk the VGG16 weights (torchvision {@code vgg16-397923af.pth} or safetensors, {@code
 *     features.*} keys); required when lpips_weight > 0
 * @param lpipsLin lpips' {@code weights/v0.1/vgg.pth} (or safetensors); required when lpips_weight > 0
 * @param ganWeight weight of the generator's GAN term (times the adaptive weight)
 * @param discBackbone the frozen DINO ViT backbone of the discriminator (timm / DINO keys); required when
 *     gan_weight > 0
 * @param discBackboneHeads attention heads of that backbone (6 for DINO ViT-S/8)
 * @param discHeads initial weights of the discriminator heads ({@code heads.*}); null = fresh
 * @param discStartEpoch fractional epoch from which the discriminator trains
 * @param ganStartEpoch fractional epoch from which the GAN term is in the decoder loss
 * @param discLr the discriminator's peak learning rate
 * @param discBetas its AdamW betas
 * @param discWeightDecay its decoupled weight decay
 * @param discWarmupEpochs its linear warm-up, in epochs from its start
 * @param discFinalLr its lr at the end of the cosine decay
 * @param maxAdaptiveWeight clamp of the adaptive weight
 */
public record LossConfig(
    double l1Weight,
    double l2Weight,
    double lpipsWeight,
    String lpipsTrunk,
    String lpipsLin,
    double ganWeight,
    String discBackbone,
    int discBackboneHeads,
    String discHeads,
    double discStartEpoch,
    double ganStartEpoch,
    double discLr,
    List<Double> discBetas,
    double discWeightDecay,
    double discWarmupEpochs,
    double discFinalLr,
    double maxAdaptiveWeight) {
  public LossConfig {
    Check.atLeast("l1_weight", l1Weight, 0.0);
    Check.atLeast("l2_weight", l2Weight, 0.0);
    Check.atLeast("lpips_weight", lpipsWeight, 0.0);
    Check.atLeast("gan_weight", ganWeight, 0.0);
    Check.that(l1Weight > 0 || l2Weight > 0 || lpipsWeight > 0, "l1_weight",
        "at least one reconstruction loss weight must be > 0 (l1_weight, l2_weight, lpips_weight), got all 0");
    Check.atLeast("disc_backbone_heads", discBackboneHeads, 1);
    Check.atLeast("disc_start_epoch", discStartEpoch, 0.0);
    Check.atLeast("gan_start_epoch", ganStartEpoch, 0.0);
    Check.that(ganWeight == 0 || ganStartEpoch >= discStartEpoch, "gan_start_epoch",
        "must be >= disc_start_epoch " + discStartEpoch + " (the GAN term needs a trained discriminator), got "
            + ganStartEpoch);
    Check.positive("disc_lr", discLr);
    Check.that(discBetas != null && discBetas.size() == 2, "disc_betas",
        "must be a list of two numbers [beta1, beta2], got " + discBetas);
    Check.that(discBetas.get(0) >= 0 && discBetas.get(0) < 1, "disc_betas", "beta1 must be in [0, 1), got "
        + discBetas.get(0));
    Check.that(discBetas.get(1) >= 0 && discBetas.get(1) < 1, "disc_betas", "beta2 must be in [0, 1), got "
        + discBetas.get(1));
    discBetas = List.copyOf(discBetas);
    Check.atLeast("disc_weight_decay", discWeightDecay, 0.0);
    Check.atLeast("disc_warmup_epochs", discWarmupEpochs, 0.0);
    Check.atLeast("disc_final_lr", discFinalLr, 0.0);
    Check.positive("max_adaptive_weight", maxAdaptiveWeight);
  }

  /** L1 only; the discriminator settings are RAE's. */
  public static LossConfig defaults() {
    return new LossConfig(1.0, 0.0, 0.0, null, null, 0.0, null, 6, null, 6.0, 8.0, 2e-4, List.of(0.9, 0.95), 0.0,
        1.0, 2e-5, 1e4);
  }

  /** L1 and L2 weights, everything else at its default (tests). */
  public static LossConfig of(double l1Weight, double l2Weight) {
    LossConfig d = defaults();
    return new LossConfig(l1Weight, l2Weight, d.lpipsWeight, d.lpipsTrunk, d.lpipsLin, d.ganWeight, d.discBackbone,
        d.discBackboneHeads, d.discHeads, d.discStartEpoch, d.ganStartEpoch, d.discLr, d.discBetas, d.discWeightDecay,
        d.discWarmupEpochs, d.discFinalLr, d.maxAdaptiveWeight);
  }
}
