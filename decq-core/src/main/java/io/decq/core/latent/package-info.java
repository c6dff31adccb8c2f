/**
 * The joint latent shared by the autoencoder and the denoiser ({@link io.decq.core.latent.LatentLayout}):
 * which tokens are queries, which are patches, and how patches map to RAE's 2-D latent.
 */
package io.decq.core.latent;
