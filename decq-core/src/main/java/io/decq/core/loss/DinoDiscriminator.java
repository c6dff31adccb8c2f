package io.decq.core.loss;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.decq.core.io.HostTensor;
import io.decq.core.nn.DecqBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * RAE's discriminator ({@code DinoDiscriminator}, {@code norm_type: bn}, spectral norm on): a frozen DINO
 * ViT ({@link DinoBackbone}) whose activations feed five trainable heads ({@link DiscHead}, {@code heads.0}
 * .. {@code heads.4}); the logits of the heads are concatenated in head order.
 *
 * <p>State: like RAE's {@code disc.state_dict()}, this block's parameters are the heads only (the backbone
 * is held outside the parameter tree): {@link #stateDict()} / {@link #loadStateDict} carry every {@code
 * heads.*} tensor including the spectral-norm buffers {@code weight_u}/{@code weight_v};
 * {@link #trainableParameters()} are the ones D's optimizer steps ({@code weight_orig}, conv {@code bias},
 * BatchNormLocal {@code weight}/{@code bias}); the u/v buffers move by themselves in training-mode forwards.
 * The backbone is frozen and never exposed. Weights live in this object's own manager ({@link #close}).
 *
 * <p>Dimensions: B batch, S input side, D backbone width, N patch tokens, K = 5 heads.
 */
public final class DinoDiscriminator extends DecqBlock implements AutoCloseable {
  /** Heads: one per backbone activation (the final one and the key depths). */
  private final List<DiscHead> heads = new ArrayList<>();
  private final DinoBackbone backbone;
  private final NDManager manager;

  /**
   * The architecture.
   *
   * @param depth backbone blocks
   * @param width backbone width D
   * @param heads attention heads of the backbone
   * @param patch backbone patch side
   * @param imageSize the side inputs are resized to
   * @param mlpRatio backbone MLP ratio
   * @param keyDepths backbone blocks (0-based) tapped for heads 1..
   * @param kernel kernel size of the heads' circular convolution ({@code ks})
   * @param eps epsilon of the backbone's LayerNorms and of BatchNormLocal
   */
  public record Config(int depth, int width, int heads, int patch, int imageSize, double mlpRatio, List<Integer> keyDepths,
      int kernel, double eps) {
    /** RAE's discriminator: DINO ViT-S/8 at 224, key depths (2, 5, 8, 11), ks 9. */
    public static final Config DINO_S_8 = new Config(12, 384, 6, 8, 224, 4.0, List.of(2, 5, 8, 11), 9, 1e-6);

    DinoBackbone.Config backbone() {
      return new DinoBackbone.Config(depth, width, heads, patch, imageSize, mlpRatio, eps, keyDepths);
    }
  }

  private DinoDiscriminator(Config config, NDManager manager) {
    this.manager = manager;
    this.backbone = new DinoBackbone(config.backbone());
    for (int i = 0; i < config.keyDepths().size() + 1; i++) {
      heads.add(child("heads." + i, new DiscHead(config.width(), config.kernel(), config.eps())));
    }
  }

  /**
   * A discriminator with the given frozen backbone weights (timm / DINO keys; see {@link DinoBackbone#load})
   * and freshly initialised heads (torch's default conv init drawn from {@code seed}, unit u/v).
   */
  public static DinoDiscriminator create(Config config, Map<String, HostTensor> backboneState, String source, Device device,
      long seed) {
    NDManager manager = NDManager.newBaseManager(device);
    try {
      DinoDiscriminator d = new DinoDiscriminator(config, manager);
      d.backbone.materialize(manager, seed);
      d.backbone.load(backboneState, source);
      d.materialize(manager, seed);
      for (DiscHead h : d.heads) {
        h.normalizeBuffers();
      }
      return d;
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /**
   * Logits of every head on every token: (B, 3, S, S) in [-1, 1] -> (B, K N). {@code training} runs one
   * spectral-norm power iteration per head convolution and moves the u/v buffers (RAE's {@code
   * discriminator.train()}); otherwise the stored u/v are used (RAE's {@code eval()}, the generator side).
   */
  public NDArray classify(NDArray x, boolean training) {
    List<NDArray> acts = backbone.activations(x);
    NDList logits = new NDList();
    for (int i = 0; i < heads.size(); i++) {
      logits.add(heads.get(i).forward(acts.get(i), training)); // (B, N)
    }
    return NDArrays.concat(logits, 1); // (B, K N)
  }

  /** The frozen backbone's weights (for checks that they never change). */
  public Map<String, HostTensor> backboneStateDict() {
    return backbone.stateDict();
  }

  @Override
  public void close() {
    manager.close();
  }
}
