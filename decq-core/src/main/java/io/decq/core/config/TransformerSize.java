package io.decq.core.config;

/**
 * The size of a transformer stack, as named presets give it (decoder presets here, DiT presets later).
 *
 * @param width D, the token width
 * @param depth number of blocks
 * @param heads attention heads (divide the width)
 * @param mlp MLP hidden width
 */
public record TransformerSize(int width, int depth, int heads, int mlp) {
  public TransformerSize {
    if (width < 1 || depth < 1 || heads < 1 || mlp < 1 || width % heads != 0) {
      throw new IllegalArgumentException("invalid transformer size " + width + "/" + depth + "/" + heads + "/" + mlp);
    }
  }
}
