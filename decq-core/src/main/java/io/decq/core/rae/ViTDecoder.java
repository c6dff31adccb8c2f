package io.decq.core.rae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.decq.core.config.TransformerSize;
import io.decq.core.nn.DecqBlock;
import io.decq.core.nn.Init;
import io.decq.core.nn.LayerNorm;
import io.decq.core.nn.Linear;
import io.decq.core.nn.PositionTables;
import java.util.ArrayList;
import java.util.List;

/**
 * The ViT pixel decoder: RAE's {@code GeneralDecoder} (parameter names = its state-dict keys, so an
 * official RAE decoder loads as is) with DecQ's query extension.
 *
 * <pre>
 *   x = [trainable_cls_token ; decoder_embed(z)] + decoder_pos_embed          (B, 1 + T, D)
 *   x = [x_cls ; query_embed(q) + query_pos_embed ; x_patches]               (B, 1 + Q + T, D)
 *   logits = decoder_pred(decoder_norm(decoder_layers(x)))[patch rows]; image = unpatchify(logits)
 * </pre>
 *
 * With no queries this is exactly RAE's decoder: {@code decoder_embed}, the CLS token (position row 0 is
 * zero), fixed MAE 2D sin-cos positions, pre-LN layers with exact GELU and LayerNorm eps 1e-12, {@code
 * decoder_norm}, {@code decoder_pred}, CLS row dropped. Queries get their own input Linear ({@code
 * query_embed}) and learnable positions ({@code query_pos_embed}); only patch rows become pixels.
 *
 * <p>Dimensions: B batch, T patch tokens (= g * g), g token-grid side, Q query tokens, C latent width
 * (encoder width), D decoder width, p pixel patch side, L = 1 + Q + T sequence length.
 *
 * <p>Initialisation for training from scratch: CLS token zeros (RAE), query positions trunc-normal
 * std 0.02, Linear layers PyTorch's default U(+-1/sqrt(fan_in)) (ViTMAE re-draws them N(0, 0.02^2); at
 * the preset widths both have std ~0.02), LayerNorms identity.
 */
public final class ViTDecoder extends DecqBlock {
  /** LayerNorm eps of every decoder norm (ViTMAE's {@code layer_norm_eps}). */
  public static final double LAYER_NORM_EPS = 1e-12;

  private final TransformerSize size;
  private final int tokens;
  private final int grid;
  private final int patchSize;
  private final int queries;
  private final Linear embed;
  private final Parameter cls;
  private final Parameter pos;
  private final Linear queryEmbed;
  private final Parameter queryPos;
  private final List<ViTLayer> layers = new ArrayList<>();
  private final LayerNorm norm;
  private final Linear pred;

  /**
   * @param size decoder size
   * @param latentDim C, width of the latent tokens (encoder width)
   * @param tokens T, patch tokens per image (a square number)
   * @param patchSize p, pixels per token side
   * @param queries Q, query tokens (0: RAE's decoder)
   * @param eps LayerNorm eps (RAE: {@link #LAYER_NORM_EPS})
   */
  public ViTDecoder(TransformerSize size, long latentDim, int tokens, int patchSize, int queries, double eps) {
    this.size = size;
    this.tokens = tokens;
    this.grid = (int) Math.round(Math.sqrt(tokens));
    if (grid * grid != tokens) {
      throw new IllegalArgumentException("the decoder needs a square token grid, got " + tokens + " tokens");
    }
    this.patchSize = patchSize;
    this.queries = queries;
    long d = size.width();
    embed = child("decoder_embed", new Linear(latentDim, d, true));
    cls = param("trainable_cls_token", Init.ZEROS, 1, 1, d);
    pos = param("decoder_pos_embed", Init.constant(PositionTables.sinCos2d((int) d, grid, true)), false, 1, 1 + tokens, d);
    if (queries > 0) {
      queryEmbed = child("query_embed", new Linear(latentDim, d, true));
      queryPos = param("query_pos_embed", Init.truncNormal(0.02), 1, queries, d);
    } else {
      queryEmbed = null;
      queryPos = null;
    }
    for (int i = 0; i < size.depth(); i++) {
      layers.add(child("decoder_layers." + i, new ViTLayer(d, size.heads(), size.mlp(), eps)));
    }
    norm = child("decoder_norm", new LayerNorm(d, eps, true));
    pred = child("decoder_pred", new Linear(d, (long) patchSize * patchSize * 3, true));
  }

  /** The decoder's size. */
  public TransformerSize size() {
    return size;
  }

  /** Output image side in pixels (p * g). */
  public int imageSize() {
    return patchSize * grid;
  }

  /**
   * Pixel logits of the patch tokens, RAE's {@code GeneralDecoder.forward(z).logits}.
   *
   * @param patches (B, T, C) patch latent (un-normalised)
   * @param queryTokens (B, Q, C) query latent, or null to decode without queries (RAE, or DecQ's
   *     queries-dropped ablation)
   * @return (B, T, p*p*3)
   */
  public NDArray logits(NDArray patches, NDArray queryTokens) {
    long b = patches.getShape().get(0);
    NDArray x = embed.forward(patches); // (B, T, D)
    NDArray clsToken = expand(value(cls), x, new Shape(b, 1, size.width())); // (B, 1, D)
    x = NDArrays.concat(new NDList(clsToken, x), 1).add(value(pos)); // (B, 1 + T, D)
    if (queryTokens != null) {
      if (queryEmbed == null) {
        throw new IllegalArgumentException("this decoder was built without queries");
      }
      NDArray q = queryEmbed.forward(queryTokens).add(value(queryPos)); // (B, Q, D)
      x = NDArrays.concat(new NDList(x.get(":, :1, :"), q, x.get(":, 1:, :")), 1); // (B, L, D)
    }
    for (ViTLayer layer : layers) {
      x = layer.forward(x);
    }
    long first = x.getShape().get(1) - tokens;
    return pred.forward(norm.forward(x.get(":, " + first + ":, :"))); // (B, T, p*p*3)
  }

  /** Pixel-space image of the logits: (B, T, p*p*3) -> (B, 3, g*p, g*p), RAE's {@code unpatchify}. */
  public NDArray unpatchify(NDArray logits) {
    long b = logits.getShape().get(0);
    int p = patchSize;
    return logits.reshape(b, grid, grid, p, p, 3) // (B, g, g, p, p, 3)
        .transpose(0, 5, 1, 3, 2, 4) // (B, 3, g, p, g, p)
        .reshape(b, 3, (long) grid * p, (long) grid * p);
  }

  /** Q, the query tokens this decoder takes (0: RAE's decoder). */
  public int queryCount() {
    return queries;
  }

  /** A (1, n, D) parameter-derived array broadcast to {@code shape}, owned by {@code like}'s manager. */
  static NDArray expand(NDArray param, NDArray like, Shape shape) {
    NDArray out = param.broadcast(shape);
    out.attach(like.getManager());
    return out;
  }
}
