package io.decq.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.decq.core.image.ResizeMatrix;
import io.decq.core.io.HostTensor;
import io.decq.core.nn.Activations;
import io.decq.core.nn.Attention;
import io.decq.core.nn.Conv2d;
import io.decq.core.nn.DecqBlock;
import io.decq.core.nn.Init;
import io.decq.core.nn.LayerNorm;
import io.decq.core.nn.Mlp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The frozen DINO ViT of RAE's discriminator ({@code FrozenDINONoDrop}), with timm / original-DINO key names
 * ({@code patch_embed.proj}, {@code cls_token}, {@code pos_embed}, {@code blocks.N.{norm1,attn.qkv,attn.proj,
 * norm2,mlp.fc1,mlp.fc2}}; the final {@code norm} is in the files but not applied). Forward:
 *
 * <ol>
 *   <li>bilinear resize to {@code imageSize} ({@code align_corners=False}, no antialias) by exact matrices;
 *   <li>{@code x * (0.5 / std) + (0.5 - mean) / std} (ImageNet statistics, inputs in [-1, 1]);
 *   <li>patch embedding, CLS token prepended, learned positions added;
 *   <li>pre-LN blocks with fused-qkv attention and a tanh-GELU MLP.
 * </ol>
 *
 * Activations: {@code [final, after block keyDepths[0], ...]} with the CLS token dropped, each (B, D, N).
 *
 * <p>Dimensions: B batch, S input side, D width, N = (imageSize / patch)^2 patch tokens, T = N + 1.
 */
final class DinoBackbone extends DecqBlock {
  private static final float[] MEAN = {0.485f, 0.456f, 0.406f};
  private static final float[] STD = {0.229f, 0.224f, 0.225f};

  /**
   * The ViT's shape.
   *
   * @param depth number of blocks
   * @param width D
   * @param heads attention heads
   * @param patch patch side
   * @param imageSize the side inputs are resized to (224)
   * @param mlpRatio MLP hidden width / D
   * @param eps LayerNorm epsilon
   * @param keyDepths the blocks (0-based) whose outputs feed heads 1.. (head 0 sees the last block)
   */
  record Config(int depth, int width, int heads, int patch, int imageSize, double mlpRatio, double eps, List<Integer> keyDepths) {}

  private final Config config;
  private final Conv2d patchEmbed;
  private final Parameter clsToken;
  private final Parameter posEmbed;
  private final List<Block> blocks = new ArrayList<>();

  /** One pre-LN transformer block ({@code blocks.N}). */
  static final class Block extends DecqBlock {
    private final LayerNorm norm1;
    private final Attention attn;
    private final LayerNorm norm2;
    private final Mlp mlp;

    Block(Config c) {
      norm1 = child("norm1", new LayerNorm(c.width(), c.eps(), true));
      attn = child("attn", new Attention(c.width(), c.width(), c.heads(), true, Attention.Names.fused("qkv", "proj")));
      norm2 = child("norm2", new LayerNorm(c.width(), c.eps(), true));
      mlp = child("mlp", new Mlp(c.width(), Math.round(c.width() * c.mlpRatio()), Activations.Kind.GELU_TANH, "fc1", "fc2"));
    }

    /** (B, T, D) -> (B, T, D). */
    NDArray forward(NDArray x) {
      x = x.add(attn.forward(norm1.forward(x))); // (B, T, D)
      return x.add(mlp.forward(norm2.forward(x))); // (B, T, D)
    }
  }

  DinoBackbone(Config config) {
    this.config = config;
    int grid = config.imageSize() / config.patch();
    patchEmbed = child("patch_embed.proj", new Conv2d(3, config.width(), config.patch(), config.patch(), true));
    clsToken = param("cls_token", Init.ZEROS, 1, 1, config.width());
    posEmbed = param("pos_embed", Init.ZEROS, 1, (long) grid * grid + 1, config.width());
    for (int i = 0; i < config.depth(); i++) {
      blocks.add(child("blocks." + i, new Block(config)));
    }
  }

  /**
   * Loads timm / DINO weights and freezes them. Only {@code x_scale}/{@code x_shift} (RAE's own buffers) and
   * the unused final {@code norm.*} are accepted beyond the model's keys. As RAE does, the key third of
   * every qkv bias is zeroed (softmax is invariant to it).
   */
  void load(Map<String, HostTensor> state, String source) {
    loadStateDict(state, source, k -> k.equals("x_scale") || k.equals("x_shift") || k.equals("norm.weight") || k.equals("norm.bias"));
    freezeAll();
    int d = config.width();
    for (int i = 0; i < config.depth(); i++) {
      namedParameters().get("blocks." + i + ".attn.qkv.bias").getArray().set(new NDIndex(d + ":" + 2 * d), 0f);
    }
  }

  /** (B, 3, S, S) in [-1, 1] -> the head inputs {@code [final, key depths...]}, each (B, D, N). */
  List<NDArray> activations(NDArray x) {
    long b = x.getShape().get(0);
    int size = config.imageSize();
    NDArray resized = ResizeMatrix.apply(x, ResizeMatrix.bilinear((int) x.getShape().get(2), size),
        ResizeMatrix.bilinear((int) x.getShape().get(3), size)); // (B, 3, 224, 224)
    float[] scale = new float[3];
    float[] shift = new float[3];
    for (int c = 0; c < 3; c++) {
      scale[c] = 0.5f / STD[c];
      shift[c] = (0.5f - MEAN[c]) / STD[c];
    }
    NDArray normed = resized.mul(constant(x, scale)).add(constant(x, shift)); // (B, 3, 224, 224)
    NDArray tokens = patchEmbed.patchTokens(normed); // (B, N, D)
    NDArray cls = value(clsToken).broadcast(new Shape(b, 1, config.width())); // (B, 1, D)
    NDArray h = cls.concat(tokens, 1).add(value(posEmbed)); // (B, T, D)
    List<NDArray> keys = new ArrayList<>();
    for (int i = 0; i < blocks.size(); i++) {
      h = blocks.get(i).forward(h); // (B, T, D)
      if (config.keyDepths().contains(i)) {
        keys.add(patchChannels(h));
      }
    }
    List<NDArray> out = new ArrayList<>();
    out.add(patchChannels(h));
    out.addAll(keys);
    return out;
  }

  /** Drops the CLS token and puts channels first: (B, T, D) -> (B, D, N). */
  private static NDArray patchChannels(NDArray h) {
    return h.get(":, 1:, :").transpose(0, 2, 1);
  }

  private static NDArray constant(NDArray like, float[] perChannel) {
    return like.getManager().create(perChannel, new Shape(1, 3, 1, 1)).toDevice(like.getDevice(), false);
  }
}
