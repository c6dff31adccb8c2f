package io.decq.core.config;

/**
 * The {@code ae} section: the trained stage-1 autoencoder that stage 2 generates latents for.
 *
 * @param checkpoint a {@code decq train recon} run directory (its latest checkpoint) or one {@code
 *     checkpoints/step-NNNNNNN} folder; its frozen encoder, queries, condensers and decoder make and
 *     decode the joint latent
 * @param weights which of the checkpoint's weights: the EMA ones (RAE's choice) or the raw ones
 * @param encoder the frozen encoder's weights when they are no longer at the {@code encoder.path} the
 *     stage-1 run recorded; null keeps that path
 * @param latents a latent cache written by {@code decq cache-latents} for this autoencoder; null encodes
 *     each batch on the fly with the frozen encoder (RAE's default)
 */
public record AeConfig(String checkpoint, CheckpointWeights weights, String encoder, String latents) {
  public AeConfig {
    Check.that(weights != null, "weights", "must be ema or raw");
  }

  public static AeConfig defaults() {
    return new AeConfig(null, CheckpointWeights.EMA, null, null);
  }
}
