package io.decq.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Multi-head attention, written once and used by the encoders, the condensers (cross-attention), the
 * pixel decoder and the DiT. {@code softmax(q k^T / sqrt(d)) v} per head, then an output projection.
 *
 * <p>Dimensions: B batch, N query tokens, M key/value tokens, D model width (= H * d), H heads, d head
 * width, C context width (cross-attention keys/values).
 *
 * <p>Projection names follow the reference checkpoint ({@link Names}): separate {@code query/key/value}
 * Linears (HF ViT/DINOv2, SigLIP, RAE's decoder) or one fused {@code qkv} (DiT). Hooks: a {@link Rotary}
 * applied to q and k after the projection and head split, before the scores (the DiT's 2D RoPE).
 */
public final class Attention extends DecqBlock {
  private final int heads;
  private final long dim;
  private final float scale;
  private final Linear q;
  private final Linear k;
  private final Linear v;
  private final Linear qkv;
  private final Linear out;

  /** Child names of the projections, as the reference's state dict spells them. */
  public record Names(String q, String k, String v, String qkv, String out) {
    /** Separate q, k, v projections. */
    public static Names separate(String q, String k, String v, String out) {
      return new Names(q, k, v, null, out);
    }

    /** One fused qkv projection (self-attention only). */
    public static Names fused(String qkv, String out) {
      return new Names(null, null, null, qkv, out);
    }

    boolean isFused() {
      return qkv != null;
    }
  }

  /** Rotates q or k, shaped (B, H, T, d), by token position. */
  @FunctionalInterface
  public interface Rotary {
    NDArray apply(NDArray t);
  }

  /**
   * @param dim model width D (queries and output)
   * @param contextDim key/value input width C (= D for self-attention)
   * @param heads H; D must be divisible by it
   * @param bias whether the q/k/v projections have biases (the output projection always has one)
   */
  public Attention(long dim, long contextDim, int heads, boolean bias, Names names) {
    if (dim % heads != 0) {
      throw new IllegalArgumentException("attention width " + dim + " is not divisible by " + heads + " heads");
    }
    this.heads = heads;
    this.dim = dim;
    this.scale = (float) (1.0 / Math.sqrt((double) dim / heads));
    if (names.isFused()) {
      if (contextDim != dim) {
        throw new IllegalArgumentException("a fused qkv projection is for self-attention only");
      }
      this.qkv = child(names.qkv(), new Linear(dim, 3 * dim, bias));
      this.q = null;
      this.k = null;
      this.v = null;
    } else {
      this.q = child(names.q(), new Linear(dim, dim, bias));
      this.k = child(names.k(), new Linear(contextDim, dim, bias));
      this.v = child(names.v(), new Linear(contextDim, dim, bias));
      this.qkv = null;
    }
    this.out = child(names.out(), new Linear(dim, dim, true));
  }

  /** Self-attention: (B, N, D) -> (B, N, D). */
  public NDArray forward(NDArray x) {
    return forward(x, null, null);
  }

  /**
   * Attention of {@code x} over {@code context} (null: over {@code x} itself), with an optional rotary
   * embedding applied to q and k. (B, N, D), (B, M, C) -> (B, N, D).
   */
  public NDArray forward(NDArray x, NDArray context, Rotary rotary) {
    long b = x.getShape().get(0);
    long n = x.getShape().get(1);
    long hd = dim / heads;
    NDArray qh;
    NDArray kh;
    NDArray vh;
    if (qkv != null) {
      if (context != null) {
        throw new IllegalArgumentException("a fused qkv projection is for self-attention only; got a context");
      }
      NDArray fused = qkv.forward(x).reshape(b, n, 3, heads, hd).transpose(2, 0, 3, 1, 4); // (3, B, H, N, d)
      qh = fused.get(0);
      kh = fused.get(1);
      vh = fused.get(2);
    } else {
      NDArray ctx = context == null ? x : context;
      long m = ctx.getShape().get(1);
      qh = heads(q.forward(x), b, n, hd); // (B, H, N, d)
      kh = heads(k.forward(ctx), b, m, hd); // (B, H, M, d)
      vh = heads(v.forward(ctx), b, m, hd); // (B, H, M, d)
    }
    if (rotary != null) {
      qh = rotary.apply(qh);
      kh = rotary.apply(kh);
    }
    // Scaling q instead of the scores saves a pass over the (N, M) scores forward and backward (exact when the scale
    // is a power of two, as for head widths 4, 16, 64, 256).
    NDArray weights = qh.mul(scale).matMul(kh.transpose(0, 1, 3, 2)).softmax(-1); // (B, H, N, M)
    NDArray o = weights.matMul(vh).transpose(0, 2, 1, 3).reshape(new Shape(b, n, dim)); // (B, N, D)
    return out.forward(o);
  }

  private NDArray heads(NDArray t, long b, long len, long hd) {
    return t.reshape(b, len, heads, hd).transpose(0, 2, 1, 3);
  }
}
