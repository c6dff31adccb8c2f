/**
 * The DecQ autoencoder: detail-condensing queries, their condensers, the latent normalisation and the
 * ViT pixel decoder around a frozen encoder ({@link io.decq.core.rae.DecqAutoencoder}). With 0 queries
 * it is RAE (its decoder is checked against RAE's own {@code GeneralDecoder} and {@code RAE.decode}).
 *
 * <p>Decisions, and why:
 *
 * <ul>
 *   <li>Joint latent = one (B, Q + T, C) array, queries first: the order the decoder sequence uses
 *       ([CLS ; queries ; patches]) and one array for stage 2 to denoise.
 *   <li>State-dict names: the decoder keeps RAE's {@code GeneralDecoder} keys under {@code decoder.}, so
 *       an official RAE decoder loads into {@code model.decoder()} unchanged; DecQ's additions are
 *       {@code decoder.query_embed}, {@code decoder.query_pos_embed}, {@code queries.query_tokens} and
 *       {@code queries.condensers.{k}.*}.
 *   <li>Query statistics need trained condensers. The model keeps all latent statistics as
 *       non-trainable parameters ({@code latent_norm.*}), so checkpoints are self-contained; during
 *       stage 1 the query statistics follow a momentum-0.1 running estimate of the clean query latent.
 *       Stage-1 reconstruction does not depend on the statistics (decode inverts the normalisation
 *       before the decoder), so the estimate cannot disturb training; an exact pass over the training
 *       set with the trained model (a statistics file with {@code query.mean}/{@code query.var}) takes
 *       precedence when loaded.
 *   <li>Noise augmentation is applied to the raw joint latent before normalisation, as RAE does to its
 *       patch latent, with one sigma per image shared by the query and patch tokens.
 *   <li>Query dropout removes a dropped image's queries from its decoder sequence (the batch is decoded
 *       in two groups), so "decode without queries" at evaluation time is exactly what training saw; no
 *       mask token or attention mask is needed.
 *   <li>Condensers use LayerNorm eps 1e-6 (the encoders' own) and exact GELU; the final query state is
 *       layer-normalised without affine, like the encoder's patch latent.
 * </ul>
 */
package io.decq.core.rae;
