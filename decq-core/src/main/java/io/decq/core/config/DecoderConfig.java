package io.decq.core.config;


/**
 * The {@code decoder} section: the ViT pixel decoder, the latent normalisation and the stage-1 latent
 * augmentations.
 *
 * @param preset decoder size (vit-b, vit-l, vit-xl as RAE's configs; tiny, small for CPU tests)
 * @param patchSize pixels per latent token side: the output image is patch_size * sqrt(tokens) wide
 * @param noiseTau stage-1 noise augmentation strength tau (0 disables it)
 * @param noiseMode how the per-image noise level is drawn: uniform (sigma = tau * U(0, 1), RAE's code)
 *     or half-normal (sigma = |N(0, tau^2)|, RAE's paper text)
 * @param queryDropout probability that an image's query tokens are hidden from the decoder during
 *     stage-1 training (the queries-dropped ablation); 0 disables it
 * @param latentStats latent statistics file written by {@code decq stats} (patch.mean/var and, once
 *     queries are trained, query.mean/var); null: statistics stored in the checkpoint (identity for a
 *     fresh model)
 */
public record DecoderConfig(
    DecoderPreset preset, int patchSize, double noiseTau, NoiseMode noiseMode, double queryDropout, String latentStats) {
  public DecoderConfig {
    Check.that(preset != null, "preset", "must name a decoder preset");
    Check.atLeast("patch_size", patchSize, 1);
    Check.atLeast("noise_tau", noiseTau, 0.0);
    Check.that(noiseMode != null, "noise_mode", "must be uniform or half-normal");
    Check.inRange("query_dropout", queryDropout, 0.0, 1.0);
  }

  public static DecoderConfig defaults() {
    return new DecoderConfig(DecoderPreset.VIT_XL, 16, 0.8, NoiseMode.UNIFORM, 0.0, null);
  }
}
