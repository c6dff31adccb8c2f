package io.decq.eval.fid;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.decq.core.io.HostTensor;
import io.decq.core.io.WeightFiles;
import io.decq.core.nn.StateDicts;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * pytorch-fid's FID Inception-v3 ({@code fid_inception_v3}): torchvision {@code Inception3(num_classes=1008,
 * aux_logits=False)} with {@code Mixed_5b..5d} = FIDInceptionA, {@code Mixed_6b..6e} = FIDInceptionC,
 * {@code Mixed_7b} = FIDInceptionE_1, {@code Mixed_7c} = FIDInceptionE_2; convolutions without bias,
 * BatchNorm eps 1e-3. torch-fidelity's {@code inception-v3-compat} is the same network (bit-exactly on the
 * same input), built to reproduce the ADM evaluator's TensorFlow graph. Inference only: parameters never
 * require gradients.
 *
 * <p>Weights come by state-dict key from pytorch-fid's {@code pt_inception-2015-12-05-6726825d.pth} or any
 * file with the same keys ({@link #stateDictKeys()}), e.g. a safetensors conversion of it.
 *
 * <p>Dimensions: B batch; the input is {@code (B, 3, 299, 299)} float32 already scaled to [-1, 1] (see
 * {@link FidPreprocess}).
 */
public final class FidInception extends AbstractBlock implements AutoCloseable {
  public static final int INPUT_SIZE = 299;
  public static final int POOL_DIM = 2048;
  public static final int NUM_CLASSES = 1008;
  /** Channels of {@code Mixed_6d.branch1x1} kept for sFID, as the ADM evaluator does. */
  public static final int SPATIAL_CHANNELS = 7;
  public static final int SPATIAL_SIZE = 17;
  public static final int SPATIAL_DIM = SPATIAL_SIZE * SPATIAL_SIZE * SPATIAL_CHANNELS;

  private static final byte VERSION = 1;

  private final BasicConv2d Conv2d_1a_3x3 = addChildBlock("Conv2d_1a_3x3", new BasicConv2d(3, 32, 3, 2, 0));
  private final BasicConv2d Conv2d_2a_3x3 = addChildBlock("Conv2d_2a_3x3", new BasicConv2d(32, 32, 3, 1, 0));
  private final BasicConv2d Conv2d_2b_3x3 = addChildBlock("Conv2d_2b_3x3", new BasicConv2d(32, 64, 3, 1, 1));
  private final BasicConv2d Conv2d_3b_1x1 = addChildBlock("Conv2d_3b_1x1", new BasicConv2d(64, 80, 1, 1, 0));
  private final BasicConv2d Conv2d_4a_3x3 = addChildBlock("Conv2d_4a_3x3", new BasicConv2d(80, 192, 3, 1, 0));
  private final InceptionModule Mixed_5b = addChildBlock("Mixed_5b", new InceptionA(192, 32));
  private final InceptionModule Mixed_5c = addChildBlock("Mixed_5c", new InceptionA(256, 64));
  private final InceptionModule Mixed_5d = addChildBlock("Mixed_5d", new InceptionA(288, 64));
  private final InceptionModule Mixed_6a = addChildBlock("Mixed_6a", new InceptionB(288));
  private final InceptionModule Mixed_6b = addChildBlock("Mixed_6b", new InceptionC(768, 128));
  private final InceptionModule Mixed_6c = addChildBlock("Mixed_6c", new InceptionC(768, 160));
  private final InceptionModule Mixed_6d = addChildBlock("Mixed_6d", new InceptionC(768, 160));
  private final InceptionModule Mixed_6e = addChildBlock("Mixed_6e", new InceptionC(768, 192));
  private final InceptionModule Mixed_7a = addChildBlock("Mixed_7a", new InceptionD(768));
  private final InceptionModule Mixed_7b = addChildBlock("Mixed_7b", new InceptionE(1280, false));
  private final InceptionModule Mixed_7c = addChildBlock("Mixed_7c", new InceptionE(2048, true));
  private final Linear fc = addChildBlock("fc", Linear.builder().setUnits(NUM_CLASSES).build());

  /** State-dict key -> parameter, in pytorch-fid's order. */
  private final Map<String, BasicConv2d.WeightSlot> slots = new LinkedHashMap<>();
  private NDManager manager;
  private ParameterStore parameterStore;

  private FidInception() {
    super(VERSION);
    Conv2d_1a_3x3.collectWeights("Conv2d_1a_3x3.", slots);
    Conv2d_2a_3x3.collectWeights("Conv2d_2a_3x3.", slots);
    Conv2d_2b_3x3.collectWeights("Conv2d_2b_3x3.", slots);
    Conv2d_3b_1x1.collectWeights("Conv2d_3b_1x1.", slots);
    Conv2d_4a_3x3.collectWeights("Conv2d_4a_3x3.", slots);
    Mixed_5b.collectWeights("Mixed_5b.", slots);
    Mixed_5c.collectWeights("Mixed_5c.", slots);
    Mixed_5d.collectWeights("Mixed_5d.", slots);
    Mixed_6a.collectWeights("Mixed_6a.", slots);
    Mixed_6b.collectWeights("Mixed_6b.", slots);
    Mixed_6c.collectWeights("Mixed_6c.", slots);
    Mixed_6d.collectWeights("Mixed_6d.", slots);
    Mixed_6e.collectWeights("Mixed_6e.", slots);
    Mixed_7a.collectWeights("Mixed_7a.", slots);
    Mixed_7b.collectWeights("Mixed_7b.", slots);
    Mixed_7c.collectWeights("Mixed_7c.", slots);
    slots.put("fc.weight", new BasicConv2d.WeightSlot(fc.getParameters().get("weight"), new long[] {NUM_CLASSES, POOL_DIM}));
    slots.put("fc.bias", new BasicConv2d.WeightSlot(fc.getParameters().get("bias"), new long[] {NUM_CLASSES}));
  }

  /**
   * Reads the weights with {@link WeightFiles#read} (torch .pt/.pth, safetensors, npz) onto {@code device};
   * the name {@code random} or {@code random:SEED} gives {@link #random} weights instead (a pipeline check).
   */
  public static FidInception load(Path file, Device device) {
    if (isRandom(file)) {
      String s = file.toString();
      return random(s.contains(":") ? Long.parseLong(s.substring(s.indexOf(':') + 1)) : 0, device);
    }
    return fromStateDict(WeightFiles.read(file), file.toString(), device);
  }

  /** Whether {@code weights} names seeded random weights ({@code random} or {@code random:SEED}), not a file. */
  public static boolean isRandom(Path weights) {
    return weights.getNameCount() == 1 && weights.toString().matches("random(:\\d+)?");
  }

  /**
   * The network with seeded pseudo-random weights: convolutions He-normal (std sqrt(2 / fan_in)), BatchNorm
   * identity (weight 1, bias 0, mean 0, var 1), fc N(0, 0.01). For checking a pipeline where the real
   * weights are not at hand: its features are a fixed random function of the images, so FID/KID computed
   * with it are repeatable but say nothing about image quality, and must be labelled so.
   */
  public static FidInception random(long seed, Device device) {
    java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
    Map<String, HostTensor> weights = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, BasicConv2d.WeightSlot> e : new FidInception().slots.entrySet()) {
      String key = e.getKey();
      long[] shape = e.getValue().shape();
      float[] v = new float[(int) HostTensor.numel(shape)];
      if (key.endsWith("bn.weight") || key.endsWith("running_var")) {
        java.util.Arrays.fill(v, 1f);
      } else if (key.endsWith("conv.weight") || key.equals("fc.weight")) {
        double std = key.equals("fc.weight") ? 0.01 : Math.sqrt(2.0 / (v.length / shape[0]));
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) (gaussian(rng) * std);
        }
      }
      weights.put(key, HostTensor.ofFloats(shape, v));
    }
    return fromStateDict(weights, "random FID-Inception (seed " + seed + ")", device);
  }

  private static double gaussian(java.util.SplittableRandom rng) {
    double u1 = 1 - rng.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rng.nextDouble());
  }

  /**
   * The network with the given state dict on {@code device}. Missing keys, unexpected keys (other than
   * BatchNorm's {@code num_batches_tracked}), wrong shapes and non-floating dtypes are reported together in
   * one bad-input error naming {@code source} ({@link StateDicts#check}).
   */
  public static FidInception fromStateDict(Map<String, HostTensor> weights, String source, Device device) {
    FidInception net = new FidInception();
    net.checkKeys(weights, source);
    NDManager manager = NDManager.newBaseManager(device);
    try {
      for (Map.Entry<String, BasicConv2d.WeightSlot> e : net.slots.entrySet()) {
        NDArray array = weights.get(e.getKey()).toFloat32(manager);
        array.setName(e.getKey());
        e.getValue().parameter().setArray(array);
      }
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
    net.manager = manager;
    net.parameterStore = new ParameterStore(manager, false);
    return net;
  }

  /** Every state-dict key the network needs, in pytorch-fid's order (472 keys, no {@code num_batches_tracked}). */
  public static List<String> stateDictKeys() {
    return List.copyOf(new FidInception().slots.keySet());
  }

  private void checkKeys(Map<String, HostTensor> weights, String source) {
    Map<String, long[]> expected = new LinkedHashMap<>();
    slots.forEach((k, slot) -> expected.put(k, slot.shape()));
    StateDicts.check(expected, weights, source, "pytorch-fid's FID Inception (the " + slots.size()
        + " keys of pt_inception-2015-12-05-6726825d.pth)", key -> key.endsWith(".num_batches_tracked"));
  }

  /** The device the weights live on; inputs must be there too. */
  public Device device() {
    return manager.getDevice();
  }

  /** The manager that owns the weights (a parent for per-call sub-managers). */
  public NDManager manager() {
    return manager;
  }

  /**
   * One inference forward of a preprocessed batch {@code (B, 3, 299, 299)} float32; every returned array
   * belongs to {@code x}'s manager, and every intermediate is closed before returning.
   */
  public InceptionFeatures features(NDArray x) {
    NDList out = forward(parameterStore, new NDList(x), false);
    return new InceptionFeatures(out.get(0), out.get(1), out.get(2), out.get(3), out.get(4), out.get(5), out.get(6));
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray input = inputs.singletonOrThrow(); // (B, 3, 299, 299)
    NDArray x = Conv2d_1a_3x3.apply(ps, input); // (B, 32, 149, 149)
    x = replace(x, Conv2d_2a_3x3.apply(ps, x)); // (B, 32, 147, 147)
    x = replace(x, Conv2d_2b_3x3.apply(ps, x)); // (B, 64, 147, 147)
    x = replace(x, InceptionModule.maxPoolReduce(x)); // (B, 64, 73, 73)
    NDArray block0 = spatialMean(x); // (B, 64)
    x = replace(x, Conv2d_3b_1x1.apply(ps, x)); // (B, 80, 73, 73)
    x = replace(x, Conv2d_4a_3x3.apply(ps, x)); // (B, 192, 71, 71)
    x = replace(x, InceptionModule.maxPoolReduce(x)); // (B, 192, 35, 35)
    NDArray block1 = spatialMean(x); // (B, 192)
    x = mixed(Mixed_5b, ps, x); // (B, 256, 35, 35)
    x = mixed(Mixed_5c, ps, x); // (B, 288, 35, 35)
    x = mixed(Mixed_5d, ps, x); // (B, 288, 35, 35)
    x = mixed(Mixed_6a, ps, x); // (B, 768, 17, 17)
    x = mixed(Mixed_6b, ps, x); // (B, 768, 17, 17)
    x = mixed(Mixed_6c, ps, x); // (B, 768, 17, 17)
    NDList d = Mixed_6d.forward(ps, new NDList(x), false);
    x.close();
    x = d.get(0); // (B, 768, 17, 17)
    NDArray spatial;
    try (NDArray branch1x1 = d.get(1); // (B, 192, 17, 17)
        NDArray first = branch1x1.get(":, 0:" + SPATIAL_CHANNELS); // (B, 7, 17, 17)
        NDArray hwc = first.transpose(0, 2, 3, 1)) { // (B, 17, 17, 7)
      spatial = hwc.reshape(hwc.getShape().get(0), SPATIAL_DIM); // (B, 2023)
    }
    x = mixed(Mixed_6e, ps, x); // (B, 768, 17, 17)
    NDArray block2 = spatialMean(x); // (B, 768)
    x = mixed(Mixed_7a, ps, x); // (B, 1280, 8, 8)
    x = mixed(Mixed_7b, ps, x); // (B, 2048, 8, 8)
    x = mixed(Mixed_7c, ps, x); // (B, 2048, 8, 8)
    NDArray pool3 = spatialMean(x); // (B, 2048)
    x.close();
    NDArray logits = fc.forward(ps, new NDList(pool3), false).singletonOrThrow(); // (B, 1008)
    NDArray unbiased;
    try (NDArray weightT = ps.getValue(fc.getParameters().get("weight"), pool3.getDevice(), false).transpose()) {
      unbiased = pool3.matMul(weightT); // (B, 1008)
    }
    return new NDList(pool3, logits, unbiased, spatial, block0, block1, block2);
  }

  private static NDArray mixed(InceptionModule module, ParameterStore ps, NDArray x) {
    NDList out = module.forward(ps, new NDList(x), false);
    out.get(1).close();
    x.close();
    return out.get(0);
  }

  /** Mean over H x W in one reduction, like {@code adaptive_avg_pool2d(x, 1)}: {@code (B, C, H, W) -> (B, C)}. */
  private static NDArray spatialMean(NDArray x) {
    Shape s = x.getShape();
    try (NDArray flat = x.reshape(s.get(0), s.get(1), s.get(2) * s.get(3))) { // (B, C, H*W)
      return flat.mean(new int[] {2}); // (B, C)
    }
  }

  private static NDArray replace(NDArray old, NDArray fresh) {
    old.close();
    return fresh;
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    long b = inputShapes[0].get(0);
    return new Shape[] {
      new Shape(b, POOL_DIM), new Shape(b, NUM_CLASSES), new Shape(b, NUM_CLASSES), new Shape(b, SPATIAL_DIM),
      new Shape(b, 64), new Shape(b, 192), new Shape(b, 768)
    };
  }

  @Override
  public void close() {
    if (manager != null) {
      manager.close();
      manager = null;
    }
  }
}
