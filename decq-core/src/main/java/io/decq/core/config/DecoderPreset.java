package io.decq.core.config;

/**
 * Named ViT decoder sizes that configs refer to ({@code decoder.preset: vit-xl}). The ViT-B/L/XL rows
 * are RAE's {@code configs/decoder/ViT*} decoders; {@code tiny} and {@code small} are for CPU tests and
 * quick-start runs.
 */
public enum DecoderPreset {
  VIT_B(new TransformerSize(768, 12, 12, 3072)),
  VIT_L(new TransformerSize(1024, 24, 16, 4096)),
  VIT_XL(new TransformerSize(1152, 28, 16, 4096)),
  TINY(new TransformerSize(64, 2, 4, 256)),
  SMALL(new TransformerSize(192, 4, 6, 768));

  private final TransformerSize size;

  DecoderPreset(TransformerSize size) {
    this.size = size;
  }

  /** Width, depth, heads and MLP width of this preset. */
  public TransformerSize size() {
    return size;
  }
}
