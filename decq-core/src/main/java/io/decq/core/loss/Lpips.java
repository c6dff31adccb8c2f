package io.decq.core.loss;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.decq.core.io.HostTensor;
import io.decq.core.io.WeightFiles;
import io.decq.core.nn.Conv2d;
import io.decq.core.nn.DecqBlock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * LPIPS v0.1 with a VGG16 trunk, as RAE vendors it (taming-transformers' {@code LPIPS}; the same numbers as
 * the {@code lpips} package's {@code LPIPS(net='vgg', version='0.1')}). For images {@code x0}, {@code x1} in
 * [-1, 1]:
 *
 * <ol>
 *   <li>scaling layer {@code (x - shift) / scale} per channel;
 *   <li>VGG16 features at relu1_2, relu2_2, relu3_3, relu4_3, relu5_3 ({@link Vgg16Features});
 *   <li>per tap k: unit-normalise over channels, {@code f / (sqrt(sum_c f^2) + 1e-10)}, square the
 *       difference, weight the channels with {@code lin{k}.model.1.weight} (a 1x1 convolution without
 *       bias), average over space;
 *   <li>distance = the sum of the five terms; {@link #forward} averages it over the batch (RAE's training
 *       value, {@code reduction='mean'}).
 * </ol>
 *
 * <p>Frozen: every weight is frozen and none is exposed to an optimizer; gradients flow through the
 * network into the images only. Weights: the trunk from torchvision's {@code vgg16-397923af.pth} ({@code
 * features.*} keys, {@code classifier.*} ignored) and the lin layers from lpips' {@code
 * weights/v0.1/vgg.pth} ({@code lin0.model.1.weight} ... {@code lin4.model.1.weight}); either may also be a
 * safetensors file with the same keys, in any floating dtype (widened to float32). The weights live in this
 * object's own manager ({@link #close}).
 *
 * <p>Dimensions: B batch, C channels of a tap, H/W image or tap size, K = 5 taps.
 */
public final class Lpips implements AutoCloseable {
  private static final float[] SHIFT = {-0.030f, -0.088f, -0.188f};
  private static final float[] SCALE = {0.458f, 0.448f, 0.450f};
  private static final float EPS = 1e-10f;

  private final NDManager manager;
  private final Vgg16Features trunk;
  private final LinLayers lins;

  /** The five {@code lin{k}.model.1} channel weightings (the {@code .1} is the slot after lpips' dropout). */
  static final class LinLayers extends DecqBlock {
    final List<Conv2d> layers = new ArrayList<>();

    LinLayers() {
      for (int k = 0; k < Vgg16Features.TAP_CHANNELS.length; k++) {
        layers.add(child("lin" + k + ".model.1", new Conv2d(Vgg16Features.TAP_CHANNELS[k], 1, 1, 1, false)));
      }
    }
  }

  private Lpips(NDManager manager, Vgg16Features trunk, LinLayers lins) {
    this.manager = manager;
    this.trunk = trunk;
    this.lins = lins;
  }

  /** Loads the trunk and lin weight files ({@code .pth}/{@code .pt}/{@code .safetensors}) onto {@code device}. */
  public static Lpips load(Path trunkFile, Path linFile, Device device) {
    return fromWeights(WeightFiles.read(trunkFile), trunkFile.toString(), WeightFiles.read(linFile), linFile.toString(), device);
  }

  /**
   * Builds LPIPS from state dicts. A trunk missing layers (or a lin file missing a layer) fails with one
   * {@link io.decq.core.error.BadInputException} naming the source and every missing key.
   */
  public static Lpips fromWeights(Map<String, HostTensor> trunkState, String trunkSource, Map<String, HostTensor> linState,
      String linSource, Device device) {
    NDManager manager = NDManager.newBaseManager(device);
    try {
      Vgg16Features trunk = new Vgg16Features();
      trunk.materialize(manager, 0);
      trunk.loadStateDict(trunkState, trunkSource, k -> k.startsWith("classifier."));
      trunk.freezeAll();
      LinLayers lins = new LinLayers();
      lins.materialize(manager, 0);
      lins.loadStateDict(linState, linSource, null);
      lins.freezeAll();
      return new Lpips(manager, trunk, lins);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** RAE's training value: the batch mean of {@link #distances}, a scalar. */
  public NDArray forward(NDArray x0, NDArray x1) {
    return distances(x0, x1).mean();
  }

  /** The distance of each pair: (B, 3, H, W) x2 -> (B). */
  public NDArray distances(NDArray x0, NDArray x1) {
    return perLayer(x0, x1).sum(new int[] {1});
  }

  /** The five per-tap terms of each pair: (B, 3, H, W) x2 -> (B, K). */
  public NDArray perLayer(NDArray x0, NDArray x1) {
    long b = x0.getShape().get(0);
    NDArray both = scale(x0.concat(x1, 0)); // (2B, 3, H, W)
    List<NDArray> taps = trunk.taps(both);
    NDList terms = new NDList();
    for (int k = 0; k < taps.size(); k++) {
      NDArray f = taps.get(k); // (2B, C, h, w)
      NDArray n = f.div(f.square().sum(new int[] {1}, true).sqrt().add(EPS)); // (2B, C, h, w)
      NDArray d = n.get("0:" + b).sub(n.get(b + ":")).square(); // (B, C, h, w)
      terms.add(lins.layers.get(k).forward(d).reshape(b, -1).mean(new int[] {1})); // (B)
    }
    return NDArrays.stack(terms, 1); // (B, K)
  }

  private static NDArray scale(NDArray x) {
    NDManager m = x.getManager();
    NDArray shift = m.create(SHIFT, new Shape(1, 3, 1, 1)).toDevice(x.getDevice(), false);
    NDArray scale = m.create(SCALE, new Shape(1, 3, 1, 1)).toDevice(x.getDevice(), false);
    return x.sub(shift).div(scale); // (B, 3, H, W)
  }

  /** Every weight (trunk {@code features.*} and {@code lin*}), for checks that they never change. */
  public Map<String, HostTensor> stateDict() {
    Map<String, HostTensor> out = trunk.stateDict();
    out.putAll(lins.stateDict());
    return out;
  }

  @Override
  public void close() {
    manager.close();
  }
}
