package io.decq.core.rae;

/**
 * Named ViT decoder sizes that configs refer to ({@code decoder.preset: vit-xl}). The ViT-B/L/XL rows
 * are RAE's {@code configs/decoder/ViT*} decoders; {@code tiny} and {@code small} are for CPU tests and
 * quick-start runs.
 */
public enum DecoderPreset {
  VIT_B(new ViTDecoder.Size(768, 12, 12, 3072)),
  VIT_L(new ViTDecoder.Size(1024, 24, 16, 4096)),
  VIT_XL(new ViTDecoder.Size(1152, 28, 16, 4096)),
  TINY(new ViTDecoder.Size(64, 2, 4, 256)),
  SMALL(new ViTDecoder.Size(192, 4, 6, 768));

  private final ViTDecoder.Size size;

  DecoderPreset(ViTDecoder.Size size) {
    this.size = size;
  }

  /** Width, depth, heads and MLP width of this preset. */
  public ViTDecoder.Size size() {
    return size;
  }
}
