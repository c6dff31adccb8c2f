package io.decq.core.dit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import io.decq.core.nn.DecqBlock;
import io.decq.core.nn.Init;
import java.util.Arrays;

/**
 * 2D rotary position embedding of the patch tokens, RAE's {@code VisionRotaryEmbeddingFast} (from EVA):
 * persistent tables {@code freqs_cos}, {@code freqs_sin} of shape (T, d). With a = d / 2 channels per axis,
 * frequencies {@code f_k = 1 / 10000^(2k / a)} for k < a / 2, each repeated twice (interleaved pairs); the
 * first a channels of a head rotate by the token's row, the last a by its column:
 * {@code x * cos + rotate_half(x) * sin}, {@code rotate_half} mapping each pair (x0, x1) to (-x1, x0).
 *
 * <p>Dimensions: B batch, H heads, L tokens, P leading tokens left unrotated (DecQ's queries), T = g*g
 * patch tokens, d head width.
 */
final class RotaryEmbedding2d extends DecqBlock {
  private final Parameter cos;
  private final Parameter sin;
  private final long headDim;

  RotaryEmbedding2d(int headDim, int grid) {
    if (headDim % 4 != 0) {
      throw new IllegalArgumentException("2D RoPE needs a head width divisible by 4, got " + headDim);
    }
    this.headDim = headDim;
    float[][] tables = tables(headDim, grid);
    long tokens = (long) grid * grid;
    cos = param("freqs_cos", Init.constant(tables[0]), false, tokens, headDim);
    sin = param("freqs_sin", Init.constant(tables[1]), false, tokens, headDim);
  }

  /**
   * The cos and sin tables, in the reference's float32 arithmetic: {@code t = arange(g) / g * g},
   * {@code f = 1 / 10000^(arange(0, a, 2) / a)}, angle = t * f.
   */
  static float[][] tables(int headDim, int grid) {
    int a = headDim / 2;
    float[] angle = new float[grid * a];
    for (int pos = 0; pos < grid; pos++) {
      float t = (float) pos / grid * grid;
      for (int k = 0; k < a / 2; k++) {
        float f = 1f / (float) Math.pow(10000.0, (float) (2 * k) / a);
        angle[pos * a + 2 * k] = t * f;
        angle[pos * a + 2 * k + 1] = t * f;
      }
    }
    float[] c = new float[grid * grid * headDim];
    float[] s = new float[grid * grid * headDim];
    for (int row = 0; row < grid; row++) {
      for (int col = 0; col < grid; col++) {
        int base = (row * grid + col) * headDim;
        for (int j = 0; j < a; j++) {
          c[base + j] = (float) Math.cos(angle[row * a + j]);
          s[base + j] = (float) Math.sin(angle[row * a + j]);
          c[base + a + j] = (float) Math.cos(angle[col * a + j]);
          s[base + a + j] = (float) Math.sin(angle[col * a + j]);
        }
      }
    }
    return new float[][] {c, s};
  }

  /** Rotates q or k: (B, H, P + T, d) -> (B, H, P + T, d), the first {@code skip} tokens unchanged. */
  NDArray rotate(NDArray x, int skip) {
    if (skip == 0) {
      return rotatePatches(x);
    }
    NDArray lead = x.get(":, :, :" + skip + ", :"); // (B, H, P, d)
    NDArray patches = x.get(":, :, " + skip + ":, :"); // (B, H, T, d)
    return NDArrays.concat(new NDList(lead, rotatePatches(patches)), 2); // (B, H, P + T, d)
  }

  private NDArray rotatePatches(NDArray x) {
    return x.mul(value(cos)).add(rotateHalf(x).mul(value(sin))); // (B, H, T, d)
  }

  /** Interleaved pairs (x0, x1) -> (-x1, x0): (..., d) -> (..., d). */
  private NDArray rotateHalf(NDArray x) {
    long[] shape = x.getShape().getShape();
    long[] pairs = Arrays.copyOf(shape, shape.length + 1);
    pairs[shape.length - 1] = headDim / 2;
    pairs[shape.length] = 2;
    NDArray p = x.reshape(pairs); // (..., d/2, 2)
    NDArray x0 = p.get("..., 0"); // (..., d/2)
    NDArray x1 = p.get("..., 1"); // (..., d/2)
    return NDArrays.stack(new NDList(x1.neg(), x0), shape.length).reshape(shape); // (..., d)
  }
}
