package io.decq.eval.fid;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A mixed (multi-branch) Inception module: its {@link BasicConv2d} children in the order the state dict
 * lists them, a forward that concatenates the branches along channels, and the pooling helpers of
 * pytorch-fid's FID blocks. Every intermediate array of one forward is closed before it returns.
 *
 * <p>Dimensions: B batch, C channels, H x W spatial.
 */
abstract class InceptionModule extends AbstractBlock {
  private static final byte VERSION = 1;
  private static final Shape K3 = new Shape(3, 3);
  private static final Shape S1 = new Shape(1, 1);
  private static final Shape S2 = new Shape(2, 2);
  private static final Shape P0 = new Shape(0, 0);
  private static final Shape P1 = new Shape(1, 1);

  private final Map<String, BasicConv2d> convs = new LinkedHashMap<>();

  InceptionModule() {
    super(VERSION);
  }

  /** Adds a named conv layer (the state-dict name, e.g. {@code branch5x5_1}). */
  protected BasicConv2d conv(String name, int in, int out, int kernelH, int kernelW, int stride, int padH, int padW) {
    BasicConv2d c = addChildBlock(name, new BasicConv2d(in, out, kernelH, kernelW, stride, padH, padW));
    convs.put(name, c);
    return c;
  }

  /** Adds a named conv layer with a square kernel. */
  protected BasicConv2d conv(String name, int in, int out, int kernel, int stride, int pad) {
    return conv(name, in, out, kernel, kernel, stride, pad, pad);
  }

  void collectWeights(String prefix, Map<String, BasicConv2d.WeightSlot> out) {
    convs.forEach((name, c) -> c.collectWeights(prefix + name + ".", out));
  }

  /**
   * The branch outputs, in concatenation order; the first is the 1x1 branch where the module has one.
   * Intermediates may stay open: {@link #forwardInternal} closes everything but the results.
   */
  protected abstract NDList branches(ParameterStore ps, NDArray x);

  /** Output channels for {@code inChannels} input channels. */
  protected abstract long outChannels(long inChannels);

  /** Spatial stride of the module (1, or 2 for the grid-reduction modules B and D). */
  protected int spatialStride() {
    return 1;
  }

  /**
   * Returns the concatenated output {@code (B, C', H', W')} and, second, the first branch's output
   * (used for ADM's {@code mixed_6/conv} spatial feature).
   */
  @Override
  @SuppressWarnings("try") // the NDScope closes what the body creates
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    try (NDScope scope = new NDScope()) {
      NDList parts = branches(ps, inputs.singletonOrThrow());
      NDArray out = NDArrays.concat(parts, 1); // (B, C', H', W')
      NDArray first = parts.get(0);
      NDScope.unregister(out, first);
      return new NDList(out, first);
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape in = inputShapes[0];
    int s = spatialStride();
    long h = s == 1 ? in.get(2) : (in.get(2) - 3) / 2 + 1;
    long w = s == 1 ? in.get(3) : (in.get(3) - 3) / 2 + 1;
    return new Shape[] {new Shape(in.get(0), outChannels(in.get(1)), h, w)};
  }

  /**
   * 3x3 average pool, stride 1, padding 1, padded zeros NOT counted ({@code count_include_pad=False}, as
   * TensorFlow's average pool). DJL 0.29's PyTorch engine ignores {@code countIncludePad} (it always counts
   * the padding), so the padded average is divided by the padded average of ones: {@code (sum / 9) /
   * (count / 9)}.
   */
  protected static NDArray avgPoolTf(NDArray x) {
    Shape s = x.getShape();
    try (NDArray padded = Pool.avgPool2d(x, K3, S1, P1, false, true); // (B, C, H, W): sum / 9
        NDArray ones = x.getManager().ones(new Shape(1, 1, s.get(2), s.get(3)), x.getDataType());
        NDArray fraction = Pool.avgPool2d(ones, K3, S1, P1, false, true)) { // (1, 1, H, W): count / 9
      return padded.div(fraction); // (B, C, H, W): sum / count
    }
  }

  /** 3x3 max pool, stride 1, padding 1 (FIDInceptionE_2's pool branch). */
  protected static NDArray maxPoolSame(NDArray x) {
    return Pool.maxPool2d(x, K3, S1, P1, false);
  }

  /** 3x3 max pool, stride 2, no padding (grid reduction). */
  protected static NDArray maxPoolReduce(NDArray x) {
    return Pool.maxPool2d(x, K3, S2, P0, false);
  }
}
