/**
 * The stage-2 denoiser: RAE's DiT-DH ({@link io.decq.core.dit.DitDH}) over DecQ's joint query + patch
 * latent. Architecture records ({@link io.decq.core.dit.DitArchitecture}) come from a named {@link
 * io.decq.core.config.DitPreset} or from RAE's constructor kwargs; parameter names are RAE's state-dict
 * keys, so official checkpoints load strictly.
 *
 * <p>Decisions, and why:
 *
 * <ul>
 *   <li>Queries share the token embedders with the patches (both live in the same normalised space) and
 *       get a learnable absolute position in the backbone only, where the patches get their sin-cos
 *       table; RoPE rotates the patch tokens only. With 0 queries nothing is added: no extra key.
 *   <li>The 1x1 patch embeddings keep RAE's Conv2d keys and 4-D shapes but run as Linears on tokens (one
 *       token per latent cell), so the model works on the joint (B, L, C) tokens throughout.
 *   <li>Label dropout lives in the trainer (it writes the null class into y), not in the model: a model
 *       call depends on its inputs only, so EMA copies, guidance and tests see the same function.
 * </ul>
 */
package io.decq.core.dit;
