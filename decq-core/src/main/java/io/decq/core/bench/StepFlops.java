package io.decq.core.bench;

import io.decq.core.config.QueriesConfig;
import io.decq.core.config.TransformerSize;
import io.decq.core.encoder.HfVisionConfig;

/**
 * Analytic matrix-product FLOPs of the project's transformer blocks and of one stage-1 training step (see
 * {@link Flops} for the counting rule: 2 FLOPs per multiply-add; backward = one product of the same size
 * per operand that requires a gradient).
 *
 * <pre>
 *   Linear (R rows, in -> out)               forward 2 R in out
 *   attention core (per sample, N queries, M keys, width D, any head count):
 *     Q K^T: 2 N M D      A V: 2 N M D       forward 4 B N M D  (self-attention: 4 B T^2 D)
 *   transformer layer (N tokens, width D, MLP width F): q, k, v, out projections + core + 2 MLP Linears
 *                                            forward 8 B N D^2 + 4 B N^2 D + 4 B N D F
 *                                            (F = 4 D: 24 B N D^2 + 4 B N^2 D)
 *   trained block whose input carries a gradient: forward + backward = 3 x forward; frozen: forward only
 * </pre>
 *
 * Only matrix products are counted: normalisations, activations, softmax, residual adds, layer scales,
 * the input resize and the loss are O(B N D) element-wise work, a few percent of a layer at these widths.
 *
 * <p>Stage-1 step = frozen encoder forward (patch embedding + every layer: the latent is the last one) +
 * condensers (trained) + ViT decoder (trained). In the decoder, {@code decoder_embed} reads the
 * normalised encoder latent, which has no gradient, so its backward is the weight gradient only; every
 * other trained Linear reads the output of a trained LayerNorm or block and costs the full 3x (the
 * condensers' key/value projections too: their input is {@code norm_context(h)}, whose affine is trained).
 *
 * <p>Dimensions: B batch, T patch tokens, P prefix tokens (CLS + registers), Q queries, C encoder width,
 * D decoder width, F MLP hidden width, M condenser context tokens (T, or P + T with prefix tokens), L = 1 +
 * Q + T decoder sequence, p pixels per patch side.
 */
public final class StepFlops {
  private StepFlops() {}

  /**
   * FLOPs of one stage-1 step, by part.
   *
   * @param encoder frozen encoder forward (backward 0)
   * @param condensers queries through every condenser, forward and backward
   * @param decoder ViT decoder, forward and backward
   */
  public record Stage1(Flops encoder, Flops condensers, Flops decoder) {
    /** The whole step. */
    public Flops step() {
      return encoder.plus(condensers).plus(decoder);
    }
  }

  /** A Linear on {@code rows} rows, {@code in -> out}: {@code (rows, in) x (in, out)}. */
  public static Flops linear(long rows, long in, long out, boolean trained, boolean inputGrad) {
    return Flops.matmul(rows, in, out, inputGrad, trained);
  }

  /** The attention core {@code softmax(Q K^T) V} of {@code batch} samples: N queries, M keys, width D. */
  public static Flops attention(long batch, long queries, long keys, long width, boolean grad) {
    return Flops.matmul(queries, width, keys, grad, grad).plus(Flops.matmul(queries, keys, width, grad, grad))
        .times(batch);
  }

  /**
   * A pre-norm transformer layer (self-attention with q, k, v, out projections, then a 2-Linear MLP) on N
   * tokens: the encoders' and the ViT decoder's layer. Trained: its input carries a gradient (it comes
   * from a trained LayerNorm); frozen: forward only.
   */
  public static Flops transformerLayer(long batch, long tokens, long width, long mlpHidden, boolean trained) {
    long rows = batch * tokens;
    return linear(rows, width, width, trained, trained).times(4) // q, k, v, out
        .plus(attention(batch, tokens, tokens, width, trained))
        .plus(linear(rows, width, mlpHidden, trained, trained))
        .plus(linear(rows, mlpHidden, width, trained, trained));
  }

  /**
   * The frozen encoder's forward on {@code patchTokens} patches per image: patch embedding (a p x p
   * stride-p convolution, i.e. a Linear from 3 p^2 to C per patch) and every layer on P + T tokens.
   */
  public static Flops encoderForward(HfVisionConfig encoder, int patchTokens, int batch) {
    long c = encoder.hiddenSize();
    long p = encoder.patchSize();
    Flops patchEmbed = linear((long) batch * patchTokens, 3 * p * p, c, false, false);
    Flops layer = transformerLayer(batch, encoder.prefixTokens() + patchTokens, c, encoder.mlpHidden(), false);
    return patchEmbed.plus(layer.times(encoder.layers()));
  }

  /**
   * The condensers (trained): per tap, cross-attention of Q queries to M context tokens (q and out
   * projections on Q rows, k and v projections on M rows) and an MLP on Q rows. Zero without queries.
   */
  public static Flops condensers(QueriesConfig queries, long width, int prefixTokens, int patchTokens, int batch) {
    if (queries.count() == 0) {
      return Flops.ZERO;
    }
    long q = (long) batch * queries.count();
    long m = queries.includePrefixTokens() ? prefixTokens + patchTokens : patchTokens;
    long hidden = Math.max(1, Math.round(queries.mlpRatio() * width));
    Flops one = linear(q, width, width, true, true).times(2) // q, out
        .plus(linear(batch * m, width, width, true, true).times(2)) // k, v
        .plus(attention(batch, queries.count(), m, width, true))
        .plus(linear(q, width, hidden, true, true))
        .plus(linear(q, hidden, width, true, true));
    return one.times(queries.taps().size());
  }

  /**
   * The ViT decoder (trained): {@code decoder_embed} on T rows (input without gradient), {@code query_embed}
   * on Q rows, the layers on L = 1 + Q + T tokens, {@code decoder_pred} on the T patch rows.
   */
  public static Flops decoder(TransformerSize size, long latentWidth, int patchTokens, int queries, int patchSize,
      int batch) {
    long d = size.width();
    long t = (long) batch * patchTokens;
    return linear(t, latentWidth, d, true, false)
        .plus(linear((long) batch * queries, latentWidth, d, true, true))
        .plus(transformerLayer(batch, 1L + queries + patchTokens, d, size.mlp(), true).times(size.depth()))
        .plus(linear(t, d, 3L * patchSize * patchSize, true, true));
  }

  /**
   * One stage-1 step on {@code batch} images: the encoder (whose {@code patchTokens} follow from its input
   * size: {@code (input_size / patch)^2}), the condensers and the decoder of the given sizes.
   */
  public static Stage1 stage1(HfVisionConfig encoder, int patchTokens, QueriesConfig queries, TransformerSize decoder,
      int decoderPatchSize, int batch) {
    long c = encoder.hiddenSize();
    return new Stage1(encoderForward(encoder, patchTokens, batch),
        condensers(queries, c, encoder.prefixTokens(), patchTokens, batch),
        decoder(decoder, c, patchTokens, queries.count(), decoderPatchSize, batch));
  }
}
