package io.decq.core.dit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.decq.core.nn.Activations;
import io.decq.core.nn.Attention;
import io.decq.core.nn.DecqBlock;
import io.decq.core.nn.Init;
import io.decq.core.nn.Linear;
import io.decq.core.nn.RmsNorm;
import io.decq.core.nn.SwiGlu;

/**
 * One DiT-DH block, RAE's {@code LightningDDTBlock} with the flags its configs use (RMSNorm, SwiGLU, RoPE,
 * shift, no qk-norm):
 *
 * <pre>
 *   shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp = adaLN_modulation(cond)
 *   x = x + gate_msa * attn(norm1(x) * (1 + scale_msa) + shift_msa)
 *   x = x + gate_mlp * mlp(norm2(x) * (1 + scale_mlp) + shift_mlp)
 * </pre>
 *
 * with {@code adaLN_modulation = Sequential(SiLU, Linear(D, 6D))} (key index 1, zero-initialised), RMSNorm
 * eps 1e-6, attention with a fused {@code qkv} (bias) and 2D RoPE on the patch tokens.
 *
 * <p>Dimensions: B batch, L tokens, D width; the condition is (B, 1, D) (one vector per image, the
 * backbone) or (B, L, D) (one per token, the head).
 */
final class DdtBlock extends DecqBlock {
  /** RAE's RMSNorm eps. */
  static final double NORM_EPS = 1e-6;

  private final RmsNorm norm1;
  private final RmsNorm norm2;
  private final Attention attn;
  private final SwiGlu mlp;
  private final Linear adaLN;

  DdtBlock(long dim, int heads, long swigluHidden) {
    norm1 = child("norm1", new RmsNorm(dim, NORM_EPS));
    norm2 = child("norm2", new RmsNorm(dim, NORM_EPS));
    attn = child("attn", new Attention(dim, dim, heads, true, Attention.Names.fused("qkv", "proj")));
    mlp = child("mlp", new SwiGlu(dim, swigluHidden));
    adaLN = child("adaLN_modulation.1", new Linear(dim, 6 * dim, true, Init.ZEROS, Init.ZEROS));
  }

  /** (B, L, D), condition (B, 1 or L, D) -> (B, L, D); {@code rotary} rotates q and k. */
  NDArray forward(NDArray x, NDArray cond, Attention.Rotary rotary) {
    NDList m = adaLN.forward(Activations.silu(cond)).split(6, 2); // 6 x (B, 1 or L, D)
    NDArray h = modulate(norm1.forward(x), m.get(0), m.get(1)); // (B, L, D)
    x = x.add(attn.forward(h, null, rotary).mul(m.get(2))); // (B, L, D)
    h = modulate(norm2.forward(x), m.get(3), m.get(4)); // (B, L, D)
    return x.add(mlp.forward(h).mul(m.get(5))); // (B, L, D)
  }

  /** RAE's {@code DDTModulate}: {@code x * (1 + scale) + shift}. */
  static NDArray modulate(NDArray x, NDArray shift, NDArray scale) {
    return x.mul(scale.add(1f)).add(shift);
  }
}
