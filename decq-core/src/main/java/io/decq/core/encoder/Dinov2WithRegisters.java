package io.decq.core.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
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
 * Hugging Face {@code Dinov2WithRegistersModel} (transformers v4.56), parameter names = its state-dict
 * keys:
 *
 * <pre>
 * embeddings.cls_token                      (1, 1, C)
 * embeddings.register_tokens                (1, R, C)
 * embeddings.position_embeddings            (1, 1 + G*G, C)   G = image_size / patch_size (37 for 518 px)
 * embeddings.patch_embeddings.projection.*  Conv2d(3 -> C, k = s = patch)
 * encoder.layer.N.norm1.*, .attention.attention.{query,key,value}.*, .attention.output.dense.*,
 *   .layer_scale1.lambda1 (C), .norm2.*, .mlp.fc1.*, .mlp.fc2.*, .layer_scale2.lambda1 (C)
 * layernorm.*
 * </pre>
 *
 * ({@code embeddings.mask_token} is only used for masked pre-training and is ignored.)
 *
 * <p>Embeddings: patch tokens (row-major) after CLS, plus the position embeddings resized from the
 * stored G x G grid to the token grid with antialiased bicubic ({@link #positionEmbeddings}); the
 * registers are inserted after the CLS token without a position term. Blocks: {@code h = h + λ1 ⊙
 * Attn(LN1(h)); h = h + λ2 ⊙ MLP(LN2(h))}.
 *
 * <p>Dimensions: B batch, S input side, g = S / patch token-grid side, N = g² patches, R registers, T = 1
 * + R + N tokens, C width.
 */
public final class Dinov2WithRegisters extends VisionTower {
  private final Parameter clsToken;
  private final Parameter registerTokens;
  private final Parameter positionEmbeddings;
  private final Conv2d patchEmbeddings;
  private final List<Layer> layers = new ArrayList<>();
  private final LayerNorm layernorm;

  public Dinov2WithRegisters(HfVisionConfig config) {
    super(config);
    long c = config.hiddenSize();
    long grid = config.storedGrid();
    Init tokenInit = Init.truncNormal(0.02);
    this.clsToken = param("embeddings.cls_token", tokenInit, 1, 1, c);
    this.registerTokens = config.registers() > 0 ? param("embeddings.register_tokens", tokenInit, 1, config.registers(), c) : null;
    this.positionEmbeddings = param("embeddings.position_embeddings", tokenInit, 1, 1 + grid * grid, c);
    this.patchEmbeddings = child("embeddings.patch_embeddings.projection",
        new Conv2d(3, c, config.patchSize(), config.patchSize(), true));
    for (int i = 0; i < config.layers(); i++) {
      layers.add(child("encoder.layer." + i, new Layer(config)));
    }
    this.layernorm = child("layernorm", new LayerNorm(c, config.layerNormEps(), true));
  }

  /** One pre-LN block with layer scale. */
  static final class Layer extends DecqBlock {
    private final LayerNorm norm1;
    private final Attention attention;
    private final Parameter layerScale1;
    private final LayerNorm norm2;
    private final Mlp mlp;
    private final Parameter layerScale2;

    Layer(HfVisionConfig config) {
      long c = config.hiddenSize();
      Init scale = Init.constant(filled((int) c, (float) config.layerScale()));
      norm1 = child("norm1", new LayerNorm(c, config.layerNormEps(), true));
      attention = child("attention", new Attention(c, c, config.heads(), config.qkvBias(),
          Attention.Names.separate("attention.query", "attention.key", "attention.value", "output.dense")));
      layerScale1 = param("layer_scale1.lambda1", scale, c);
      norm2 = child("norm2", new LayerNorm(c, config.layerNormEps(), true));
      mlp = child("mlp", new Mlp(c, config.mlpHidden(), config.act(), "fc1", "fc2"));
      layerScale2 = param("layer_scale2.lambda1", scale, c);
    }

    NDArray forward(NDArray h) {
      NDArray x = h.add(attention.forward(norm1.forward(h)).mul(value(layerScale1))); // (B, T, C)
      return x.add(mlp.forward(norm2.forward(x)).mul(value(layerScale2))); // (B, T, C)
    }

    private static float[] filled(int n, float v) {
      float[] a = new float[n];
      java.util.Arrays.fill(a, v);
      return a;
    }
  }

  @Override
  public NDArray embeddings(NDArray pixelValues) {
    long b = pixelValues.getShape().get(0);
    long c = config.hiddenSize();
    int gh = (int) (pixelValues.getShape().get(2) / config.patchSize());
    int gw = (int) (pixelValues.getShape().get(3) / config.patchSize());
    NDArray patches = patchEmbeddings.patchTokens(pixelValues); // (B, N, C)
    NDArray cls = pixelValues.getManager().zeros(new Shape(b, 1, c)).add(value(clsToken)); // (B, 1, C)
    NDArray tokens = NDArrays.concat(new NDList(cls, patches), 1).add(positionEmbeddings(pixelValues, gh, gw)); // (B, 1 + N, C)
    if (registerTokens == null) {
      return tokens;
    }
    NDArray registers = pixelValues.getManager().zeros(new Shape(b, config.registers(), c)).add(value(registerTokens)); // (B, R, C)
    return NDArrays.concat(new NDList(tokens.get(":, :1, :"), registers, tokens.get(":, 1:, :")), 1); // (B, T, C)
  }

  /**
   * HF {@code interpolate_pos_encoding}: the CLS position followed by the stored G x G grid resized to
   * {@code gh x gw} with PyTorch's antialiased bicubic (explicit output size, float32), flattened
   * row-major; the stored table itself when the grids agree. Temporaries belong to {@code like}'s
   * manager. Returns (1, 1 + gh gw, C).
   */
  public NDArray positionEmbeddings(NDArray like, int gh, int gw) {
    NDArray table = value(positionEmbeddings); // (1, 1 + G*G, C)
    int g = config.storedGrid();
    if (gh == g && gw == g) {
      return table;
    }
    long c = config.hiddenSize();
    NDArray local = like.getManager().zeros(new Shape(1)).add(table); // (1, 1 + G*G, C), a copy in like's manager
    NDArray grid = local.get(":, 1:, :").reshape(g, g, c).transpose(2, 0, 1); // (C, G, G)
    NDArray resized = ResizeMatrix.apply(grid, ResizeMatrix.bicubicAntialias(g, gh), ResizeMatrix.bicubicAntialias(g, gw)); // (C, gh, gw)
    NDArray flat = resized.transpose(1, 2, 0).reshape(1, (long) gh * gw, c); // (1, gh gw, C)
    return NDArrays.concat(new NDList(local.get(":, :1, :"), flat), 1); // (1, 1 + gh gw, C)
  }

  @Override
  public NDArray block(int index, NDArray hidden) {
    return layers.get(index).forward(hidden);
  }

  @Override
  public NDArray finalNorm(NDArray hidden) {
    return layernorm.forward(hidden);
  }

  @Override
  public Predicate<String> ignoredKeys() {
    return k -> k.equals("embeddings.mask_token") || (registerTokens == null && k.equals("embeddings.register_tokens"));
  }
}
