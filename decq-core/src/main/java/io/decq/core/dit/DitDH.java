package io.decq.core.dit;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.decq.core.config.DitPreset;
import io.decq.core.config.TransformerSize;
import io.decq.core.error.BadInputException;
import io.decq.core.flow.VelocityModel;
import io.decq.core.io.HostTensor;
import io.decq.core.io.WeightFiles;
import io.decq.core.latent.LatentLayout;
import io.decq.core.nn.Activations;
import io.decq.core.nn.Conv2d;
import io.decq.core.nn.DecqBlock;
import io.decq.core.nn.Init;
import io.decq.core.nn.Linear;
import io.decq.core.nn.PositionTables;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The DiT-DH denoiser: RAE's {@code DiTwDDTHead} (parameter names = its state-dict keys, so an official RAE
 * stage-2 checkpoint loads as is) with DecQ's query tokens.
 *
 * <pre>
 *   t_emb = t_embedder(t); c = SiLU(t_emb + y_embedder(y))                         (B, De)
 *   s = s_embedder(x) + [query_pos_embed ; pos_embed]                            (B, L, De)
 *   s = backbone blocks(s | c, RoPE enc_feat_rope)                                (B, L, De)
 *   s = s_projector(SiLU(t_emb + s))                                              (B, L, Dd)
 *   h = x_embedder(x); h = head blocks(h | s per token, RoPE dec_feat_rope)       (B, L, Dd)
 *   v = final_layer(h | s)                                                        (B, L, C)
 * </pre>
 *
 * Input and output are joint tokens in the {@link LatentLayout} order (Q query tokens first, then the
 * patches row-major); RAE's 2-D latent converts with {@link LatentLayout#toGrid} / {@link
 * LatentLayout#fromGrid}. {@code x_embedder} and {@code s_embedder} are RAE's 1x1 patch embeddings (Conv2d
 * weights (D, C, 1, 1) in the state dict), applied to tokens as Linears. {@code s_projector} is RAE's
 * Linear(De, Dd), absent (an identity without keys) when De == Dd.
 *
 * <p>Queries (DecQ): they share {@code s_embedder} and {@code x_embedder} with the patches, get a
 * learnable absolute position {@code query_pos_embed} (1, Q, De) where the patches get the fixed {@code
 * pos_embed}, and no RoPE rotation (the rotary tables cover the patch positions only). In the head,
 * patches get no position embedding (as in RAE) and neither do queries: their identity reaches the head
 * through the per-token condition s. With Q = 0 the model is RAE's DiT-DH key for key.
 *
 * <p>Frozen (kept in checkpoints, never trained): {@code pos_embed} (sin-cos), {@code t_embedder.W}
 * (random, drawn once), {@code enc_feat_rope.*}, {@code dec_feat_rope.*}.
 *
 * <p>Dimensions: B batch, Q query tokens, g token-grid side, T = g*g patch tokens, L = Q + T tokens, C
 * latent channels, De backbone width, Dd head width, K classes (label K is the null class).
 */
public final class DitDH extends DecqBlock implements VelocityModel {
  private final DitArchitecture arch;
  private final LatentLayout layout;
  private final Parameter queryPos;
  private final Parameter pos;
  private final Conv2d xEmbedder;
  private final Conv2d sEmbedder;
  private final Linear sProjector;
  private final TimestepEmbedder tEmbedder;
  private final LabelEmbedder yEmbedder;
  private final DdtFinalLayer finalLayer;
  private final RotaryEmbedding2d encRope;
  private final RotaryEmbedding2d decRope;
  private final List<DdtBlock> blocks = new ArrayList<>();

  public DitDH(DitArchitecture arch) {
    this.arch = arch;
    this.layout = arch.layout();
    TransformerSize enc = arch.backbone();
    TransformerSize dec = arch.head();
    long de = enc.width();
    long dd = dec.width();
    long c = layout.channels();
    int g = layout.grid();
    queryPos = layout.queries() > 0 ? param("query_pos_embed", Init.truncNormal(0.02), 1, layout.queries(), de) : null;
    pos = param("pos_embed", Init.constant(PositionTables.sinCos2d((int) de, g, false)), false, 1, layout.patchTokens(), de);
    xEmbedder = child("x_embedder.proj", new Conv2d(c, dd, 1, 1, true, Init.xavierUniform(), Init.ZEROS));
    sEmbedder = child("s_embedder.proj", new Conv2d(c, de, 1, 1, true, Init.xavierUniform(), Init.ZEROS));
    sProjector = de == dd ? null : child("s_projector", new Linear(de, dd, true));
    tEmbedder = child("t_embedder", new TimestepEmbedder(de));
    yEmbedder = child("y_embedder", new LabelEmbedder(arch.numClasses(), de));
    finalLayer = child("final_layer", new DdtFinalLayer(dd, c));
    encRope = child("enc_feat_rope", new RotaryEmbedding2d(enc.width() / enc.heads(), g));
    decRope = child("dec_feat_rope", new RotaryEmbedding2d(dec.width() / dec.heads(), g));
    for (int i = 0; i < enc.depth(); i++) {
      blocks.add(child("blocks." + i, new DdtBlock(de, enc.heads(), DitArchitecture.swigluHidden(enc))));
    }
    for (int i = 0; i < dec.depth(); i++) {
      blocks.add(child("blocks." + (enc.depth() + i), new DdtBlock(dd, dec.heads(), DitArchitecture.swigluHidden(dec))));
    }
  }

  /** A named preset over a latent layout. */
  public static DitDH of(DitPreset preset, LatentLayout layout, int numClasses) {
    return new DitDH(DitArchitecture.of(preset, layout, numClasses));
  }

  /** The shapes this model was built with. */
  public DitArchitecture architecture() {
    return arch;
  }

  /** The joint latent it denoises. */
  public LatentLayout layout() {
    return layout;
  }

  /** K, the number of classes; label K is the null (unconditional) class. */
  public int nullClass() {
    return arch.numClasses();
  }

  /**
   * The velocity at (x, t) for labels y.
   *
   * @param ps unused: the parameters are read directly (see {@link DecqBlock}); kept for DJL's calling
   *     convention
   * @param x (B, L, C) joint tokens x_t in the {@link LatentLayout} order
   * @param t (B) float32 times in [0, 1], 1 = noise, 0 = data
   * @param y (B) int64 labels in [0, K], K = the null class; label dropout is the caller's job
   * @param training unused: the model has no dropout and behaves alike in training and evaluation
   * @return (B, L, C) the velocity, same layout as x
   */
  public NDArray forward(ParameterStore ps, NDArray x, NDArray t, NDArray y, boolean training) {
    return forward(x, t, y, null);
  }

  /** The velocity for the ODE solvers and guidance: {@link #forward} in evaluation. */
  @Override
  public NDArray velocity(NDArray x, NDArray t, NDArray y) {
    return forward(x, t, y, null);
  }

  /** {@link #forward(ParameterStore, NDArray, NDArray, NDArray, boolean)}, reporting intermediates to {@code tap}. */
  NDArray forward(NDArray x, NDArray t, NDArray y, BiConsumer<String, NDArray> tap) {
    layout.check(x, "DiT-DH input x");
    int q = layout.queries();
    NDArray tEmb = tEmbedder.forward(t); // (B, De)
    NDArray yEmb = yEmbedder.forward(y); // (B, De)
    NDArray c = Activations.silu(tEmb.add(yEmb)).expandDims(1); // (B, 1, De)
    NDArray s = sEmbedder.pointwise(x); // (B, L, De)
    report(tap, "t_embedder", tEmb);
    report(tap, "y_embedder", yEmb);
    report(tap, "s_embedder", s);
    s = layout.join(q == 0 ? null : layout.splitQueries(s).add(value(queryPos)), layout.splitPatches(s).add(value(pos))); // (B, L, De)
    int i = 0;
    for (; i < arch.backbone().depth(); i++) {
      s = blocks.get(i).forward(s, c, r -> encRope.rotate(r, q)); // (B, L, De)
      report(tap, "blocks." + i, s);
    }
    s = Activations.silu(s.add(tEmb.expandDims(1))); // (B, L, De)
    report(tap, "s_projector.input", s);
    if (sProjector != null) {
      s = sProjector.forward(s); // (B, L, Dd)
    }
    report(tap, "s_projector", s);
    NDArray h = xEmbedder.pointwise(x); // (B, L, Dd)
    report(tap, "x_embedder", h);
    for (; i < blocks.size(); i++) {
      h = blocks.get(i).forward(h, s, r -> decRope.rotate(r, q)); // (B, L, Dd)
      report(tap, "blocks." + i, h);
    }
    NDArray out = finalLayer.forward(h, s); // (B, L, C)
    report(tap, "final_layer", out);
    return out;
  }

  private static void report(BiConsumer<String, NDArray> tap, String name, NDArray value) {
    if (tap != null) {
      tap.accept(name, value);
    }
  }

  /**
   * Loads an official RAE stage-2 checkpoint or one of ours, strictly: a {@code .safetensors} state dict,
   * or a {@code torch.save} file ({@code .pt}, ...) holding either the state dict itself or RAE's training
   * checkpoint {@code {"model", "ema", "optimizer", ...}}, whose {@code ema} entry is taken (what RAE's
   * {@code instantiate_from_config} loads). Every missing, unexpected or misshapen key is reported in one
   * {@link BadInputException}; a DiT-DH of another size is named as such.
   */
  public void loadWeights(Path file) {
    Map<String, HostTensor> all = WeightFiles.read(file);
    boolean trainingFormat = all.keySet().stream().anyMatch(k -> k.startsWith("ema."));
    Map<String, HostTensor> state = trainingFormat ? WeightFiles.select(file, all, "ema") : all;
    String source = trainingFormat ? file + " ['ema']" : file.toString();
    checkSize(state, source);
    loadStateDict(state, source, null);
  }

  /** Fails with one line when {@code state} is a DiT-DH of other widths, depths or latent shape. */
  private void checkSize(Map<String, HostTensor> state, String source) {
    HostTensor s = state.get("s_embedder.proj.weight");
    HostTensor x = state.get("x_embedder.proj.weight");
    HostTensor p = state.get("pos_embed");
    if (s == null || x == null || p == null || s.shape().length != 4 || x.shape().length != 4 || p.shape().length != 3) {
      return;
    }
    long de = s.shape()[0];
    long dd = x.shape()[0];
    int encDepth = 0;
    int depth = 0;
    while (state.containsKey("blocks." + depth + ".norm1.weight")) {
      if (state.get("blocks." + depth + ".norm1.weight").shape()[0] == de && encDepth == depth) {
        encDepth++;
      }
      depth++;
    }
    String theirs = describe(de, encDepth, dd, depth - encDepth, s.shape()[1], p.shape()[1]);
    TransformerSize enc = arch.backbone();
    TransformerSize dec = arch.head();
    String ours = describe(enc.width(), enc.depth(), dec.width(), dec.depth(), layout.channels(), layout.patchTokens());
    if (!theirs.equals(ours)) {
      throw new BadInputException(source + ": a DiT-DH checkpoint of another size (" + theirs + ") than this model (" + ours + ")");
    }
  }

  private static String describe(long de, int encDepth, long dd, int decDepth, long channels, long tokens) {
    return "backbone width " + de + " x " + encDepth + " blocks, head width " + dd + " x " + decDepth + " blocks, "
        + channels + " channels, " + tokens + " patch tokens";
  }
}
