package io.decq.core.config;

/** How the per-image noise level sigma of stage-1 latent noise augmentation is drawn (tau = strength). */
public enum NoiseMode {
  /** sigma = tau * U(0, 1): what RAE's code does ({@code RAE.noising}). */
  UNIFORM,
  /** sigma = |N(0, tau^2)|: what RAE's paper text describes. */
  HALF_NORMAL
}
