package io.decq.core.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.decq.core.image.ResizeMatrix;
import io.decq.core.nn.Attention;
import io.decq.core.nn.Conv2d;
import io.decq.core.nn.DecqBlock;
import io.decq.core.nn.Init;
import io.decq.core.nn.LayerNorm;
import io.decq.core.nn.Mlp;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Hugging Face {@code SiglipVisionTransformer} (transformers v4.56; the vision tower of {@code
 * google/siglip2-base-patch16-256}), parameter names = its state-dict keys without the {@code
 * vision_model.} prefix:
 *
 * <pre>
 * embeddings.patch_embedding.*           Conv2d(3 -> C, k = s = patch)
 * embeddings.position_embedding.weight   (G*G, C)   G = image_size / patch_size
 * encoder.layers.N.layer_norm1.*, .self_attn.{q_proj,k_proj,v_proj,out_proj}.*, .layer_norm2.*,
 *   .mlp.fc1.*, .mlp.fc2.*
 * post_layernorm.*
 * </pre>
 *
 * ({@code head.*}, the attention-pooling head, and the old {@code embeddings.position_ids} buffer are
 * ignored.) No CLS token; patch tokens row-major plus the learned position embedding (resized with
 * bicubic, no antialias, as HF's {@code interpolate_pos_encoding} when the token grid differs from G).
 * Blocks: {@code h = h + Attn(LN1(h)); h = h + MLP(LN2(h))}, MLP = fc2(gelu_tanh(fc1)).
 *
 * <p>Dimensions: B batch, S input side, g = S / patch, N = T = g² tokens, C width.
 */
public final class SiglipVisionTransformer extends VisionTower {
  private final Conv2d patchEmbedding;
  private final Parameter positionEmbedding;
  private final List<Layer> layers = new ArrayList<>();
  private final LayerNorm postLayernorm;

  public SiglipVisionTransformer(HfVisionConfig config) {
    super(config);
    long c = config.hiddenSize();
    long grid = config.storedGrid();
    this.patchEmbedding = child("embeddings.patch_embedding", new Conv2d(3, c, config.patchSize(), config.patchSize(), true));
    this.positionEmbedding = param("embeddings.position_embedding.weight", Init.normal(1.0 / Math.sqrt(c)), grid * grid, c);
    for (int i = 0; i < config.layers(); i++) {
      layers.add(child("encoder.layers." + i, new Layer(config)));
    }
    this.postLayernorm = child("post_layernorm", new LayerNorm(c, config.layerNormEps(), true));
  }

  /** One pre-LN block. */
  static final class Layer extends DecqBlock {
    private final LayerNorm layerNorm1;
    private final Attention selfAttn;
    private final LayerNorm layerNorm2;
    private final Mlp mlp;

    Layer(HfVisionConfig config) {
      long c = config.hiddenSize();
      layerNorm1 = child("layer_norm1", new LayerNorm(c, config.layerNormEps(), true));
      selfAttn = child("self_attn", new Attention(c, c, config.heads(), true,
          Attention.Names.separate("q_proj", "k_proj", "v_proj", "out_proj")));
      layerNorm2 = child("layer_norm2", new LayerNorm(c, config.layerNormEps(), true));
      mlp = child("mlp", new Mlp(c, config.mlpHidden(), config.act(), "fc1", "fc2"));
    }

    NDArray forward(NDArray h) {
      NDArray x = h.add(selfAttn.forward(layerNorm1.forward(h))); // (B, T, C)
      return x.add(mlp.forward(layerNorm2.forward(x))); // (B, T, C)
    }
  }

  @Override
  public NDArray embeddings(NDArray pixelValues) {
    int gh = (int) (pixelValues.getShape().get(2) / config.patchSize());
    int gw = (int) (pixelValues.getShape().get(3) / config.patchSize());
    return patchEmbedding.patchTokens(pixelValues).add(positionEmbeddings(pixelValues, gh, gw)); // (B, N, C)
  }

  /**
   * The position embeddings for a {@code gh x gw} token grid: the stored table when it matches, else
   * the stored G x G grid resized with bicubic (A = -0.75, no antialias), as HF does. (N, C).
   */
  public NDArray positionEmbeddings(NDArray like, int gh, int gw) {
    NDArray table = value(positionEmbedding); // (G*G, C)
    int g = config.storedGrid();
    if (gh == g && gw == g) {
      return table;
    }
    long c = config.hiddenSize();
    NDArray grid = like.getManager().zeros(new Shape(1)).add(table).reshape(g, g, c).transpose(2, 0, 1); // (C, G, G)
    NDArray resized = ResizeMatrix.apply(grid, ResizeMatrix.bicubic(g, gh), ResizeMatrix.bicubic(g, gw)); // (C, gh, gw)
    return resized.transpose(1, 2, 0).reshape((long) gh * gw, c); // (N, C)
  }

  @Override
  public NDArray block(int index, NDArray hidden) {
    return layers.get(index).forward(hidden);
  }

  @Override
  public NDArray finalNorm(NDArray hidden) {
    return postLayernorm.forward(hidden);
  }

  @Override
  public Predicate<String> ignoredKeys() {
    return k -> k.startsWith("head.") || k.equals("embeddings.position_ids");
  }
}
