package io.decq.eval.fid;

/**
 * The exact one-dimensional resampling matrices ({@code out x in}, row-major) of the two bilinear resizes
 * FID pipelines use. A 2-D resize of an image {@code X (H, W)} is {@code Wy . X . Wx^T}; no antialiasing
 * (DJL's own resize antialiases when downscaling and cannot reproduce either).
 */
public final class Interpolation {
  private Interpolation() {}

  /**
   * TensorFlow 1.x {@code ResizeBilinear} with {@code align_corners=False}, as torch-fidelity's
   * {@code interpolate_bilinear_2d_like_tensorflow1x} (the ADM evaluator's graph) computes it in float32:
   * {@code scale = float32(in / out)}, {@code src = float32(j) * scale} (no half-pixel offset),
   * {@code lo = trunc(src)}, {@code hi = min(lo + 1, in - 1)}, {@code d = src - lo}; output {@code a + (b - a) d}.
   */
  public static float[] tf1Bilinear(int in, int out) {
    float[] w = new float[out * in];
    float scale = (float) ((double) in / out);
    for (int j = 0; j < out; j++) {
      float src = j * scale;
      int lo = (int) src;
      int hi = Math.min(lo + 1, in - 1);
      float d = src - lo;
      if (hi == lo) {
        w[j * in + lo] = 1f;
      } else {
        w[j * in + lo] = 1f - d;
        w[j * in + hi] = d;
      }
    }
    return w;
  }

  /**
   * PyTorch {@code F.interpolate(mode="bilinear", align_corners=False)} without antialiasing (pytorch-fid's
   * resize), with the weights libtorch's CPU kernel uses: {@code scale = float32(in) / out}, then in double
   * {@code src = max(scale (j + 0.5) - 0.5, 0)}, {@code lo = trunc(src)}, {@code hi = lo + (lo < in - 1)},
   * {@code l1 = float32(clamp(src - lo, 0, 1))}, {@code l0 = 1 - l1} (matches torch 1.13's output to float32
   * rounding; an all-float32 index computation would be off by up to 8e-6).
   */
  public static float[] torchBilinear(int in, int out) {
    float[] w = new float[out * in];
    float scale = (float) in / out;
    for (int j = 0; j < out; j++) {
      double src = Math.max(scale * (j + 0.5) - 0.5, 0.0);
      int lo = (int) src;
      int hi = lo < in - 1 ? lo + 1 : lo;
      float l1 = (float) Math.min(Math.max(src - lo, 0.0), 1.0);
      w[j * in + lo] += 1f - l1;
      w[j * in + hi] += l1;
    }
    return w;
  }
}
