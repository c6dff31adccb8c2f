package io.decq.core.config;

/**
 * Named DiT-DH denoiser sizes that configs refer to ({@code dit.preset: dit-dh-xl}). The S/B/L/XL rows are
 * RAE's {@code DiTwDDTHead} backbones (DESIGN.md section 2) with its wide head (2 blocks of width 2048, 16
 * heads); {@code tiny} (the golden case's sizes) and {@code small} are for CPU tests and quick-start runs.
 * Every MLP width is RAE's {@code mlp_hidden_dim = int(width * mlp_ratio)} with {@code mlp_ratio = 4}; the
 * SwiGLU feed-forward then uses {@code int(2/3 * mlp)} hidden units.
 */
public enum DitPreset {
  DIT_DH_S(size(384, 12, 6), size(2048, 2, 16)),
  DIT_DH_B(size(768, 12, 12), size(2048, 2, 16)),
  DIT_DH_L(size(1024, 24, 16), size(2048, 2, 16)),
  DIT_DH_XL(size(1152, 28, 16), size(2048, 2, 16)),
  TINY(size(64, 4, 4), size(96, 2, 4)),
  SMALL(size(192, 6, 6), size(256, 2, 4));

  /** RAE's {@code mlp_ratio} for every preset. */
  public static final double MLP_RATIO = 4.0;

  private final TransformerSize backbone;
  private final TransformerSize head;

  DitPreset(TransformerSize backbone, TransformerSize head) {
    this.backbone = backbone;
    this.head = head;
  }

  private static TransformerSize size(int width, int depth, int heads) {
    return new TransformerSize(width, depth, heads, (int) (width * MLP_RATIO));
  }

  /** The backbone (encoder) stack: width De, depth, heads, MLP width. */
  public TransformerSize backbone() {
    return backbone;
  }

  /** The wide DDT head (decoder) stack: width Dd, depth, heads, MLP width. */
  public TransformerSize head() {
    return head;
  }
}
