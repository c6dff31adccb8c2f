package io.decq.core.encoder;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * What {@link FrozenEncoder#encode} returns. Every array belongs to the manager of the input images and
 * carries no gradient.
 *
 * <p>Dimensions: B batch, N patch tokens (256), P prefix tokens (DINOv2-reg: CLS + 4 registers = 5;
 * SigLIP: 0), T = P + N, C width.
 *
 * @param latent (B, N, C): the patch tokens after the final LayerNorm without its affine (RAE's latent)
 * @param hiddenStates requested HF hidden states by index (0 = embeddings, k = after block k), each
 *     (B, T, C) with the prefix tokens first, in ascending index order
 * @param width C
 * @param depth number of blocks (the largest hidden-state index)
 * @param prefixTokens P
 * @param patchTokens N
 */
public record EncoderOutput(
    NDArray latent, Map<Integer, NDArray> hiddenStates, int width, int depth, int prefixTokens, int patchTokens) {}
