package io.decq.eval.fid;

import ai.djl.ndarray.NDArray;

/**
 * What one forward of {@link FidInception} returns for a batch of B images; every array belongs to the
 * input's manager.
 *
 * @param pool3 {@code (B, 2048)} the final average pool: the FID feature
 * @param logits {@code (B, 1008)} {@code pool3 . fc.weight^T + fc.bias}
 * @param logitsUnbiased {@code (B, 1008)} {@code pool3 . fc.weight^T}: what the ADM evaluator and
 *     torch-fidelity feed to the Inception Score's softmax
 * @param spatial {@code (B, 2023)} the sFID feature: the first 7 channels of {@code Mixed_6d.branch1x1}
 *     (ADM's {@code mixed_6/conv}), flattened in TensorFlow's (height, width, channel) order
 * @param block0Mean {@code (B, 64)} spatial mean after the first max pool
 * @param block1Mean {@code (B, 192)} spatial mean after the second max pool
 * @param block2Mean {@code (B, 768)} spatial mean after {@code Mixed_6e}
 */
public record InceptionFeatures(
    NDArray pool3, NDArray logits, NDArray logitsUnbiased, NDArray spatial, NDArray block0Mean, NDArray block1Mean,
    NDArray block2Mean) {}
