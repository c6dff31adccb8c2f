package io.decq.eval.fid;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Map;

/**
 * torchvision's {@code BasicConv2d}: convolution without bias, BatchNorm with eps 1e-3 (inference:
 * running statistics), ReLU. Children {@code conv} and {@code bn}, as in the state dict.
 *
 * <p>Dimensions: B batch, C input channels, O output channels, H x W spatial.
 */
final class BasicConv2d extends AbstractBlock {
  private static final byte VERSION = 1;
  /** torchvision's {@code nn.BatchNorm2d(out_channels, eps=0.001)}. */
  static final float BN_EPS = 1e-3f;

  private final int inChannels;
  private final int outChannels;
  private final Shape kernel;
  private final Shape stride;
  private final Shape padding;
  private final Conv2d conv;
  private final BatchNorm bn;

  BasicConv2d(int inChannels, int outChannels, int kernelH, int kernelW, int stride, int padH, int padW) {
    super(VERSION);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernel = new Shape(kernelH, kernelW);
    this.stride = new Shape(stride, stride);
    this.padding = new Shape(padH, padW);
    this.conv = addChildBlock("conv", Conv2d.builder()
        .setKernelShape(kernel).optStride(this.stride).optPadding(padding).setFilters(outChannels).optBias(false).build());
    this.bn = addChildBlock("bn", BatchNorm.builder().optEpsilon(BN_EPS).build());
  }

  /** A square kernel with symmetric padding. */
  BasicConv2d(int inChannels, int outChannels, int kernel, int stride, int pad) {
    this(inChannels, outChannels, kernel, kernel, stride, pad, pad);
  }

  /** This layer's state-dict entries under {@code prefix} (pytorch-fid order) with their expected shapes. */
  void collectWeights(String prefix, Map<String, WeightSlot> out) {
    out.put(prefix + "conv.weight", new WeightSlot(conv.getParameters().get("weight"),
        new long[] {outChannels, inChannels, kernel.get(0), kernel.get(1)}));
    long[] channels = {outChannels};
    out.put(prefix + "bn.weight", new WeightSlot(bn.getParameters().get("gamma"), channels));
    out.put(prefix + "bn.bias", new WeightSlot(bn.getParameters().get("beta"), channels));
    out.put(prefix + "bn.running_mean", new WeightSlot(bn.getParameters().get("runningMean"), channels));
    out.put(prefix + "bn.running_var", new WeightSlot(bn.getParameters().get("runningVar"), channels));
  }

  /** Applies the layer to one array (inference). */
  NDArray apply(ParameterStore ps, NDArray x) {
    return forward(ps, new NDList(x), false).singletonOrThrow();
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray y = conv.forward(ps, inputs, false).singletonOrThrow(); // (B, O, H', W')
    NDArray z = bn.forward(ps, new NDList(y), false).singletonOrThrow(); // (B, O, H', W')
    y.close();
    NDArray r = Activation.relu(z); // (B, O, H', W')
    z.close();
    return new NDList(r);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape in = inputShapes[0];
    long h = (in.get(2) + 2 * padding.get(0) - kernel.get(0)) / stride.get(0) + 1;
    long w = (in.get(3) + 2 * padding.get(1) - kernel.get(1)) / stride.get(1) + 1;
    return new Shape[] {new Shape(in.get(0), outChannels, h, w)};
  }

  /** A parameter of the network and the shape the state dict must give it. */
  record WeightSlot(Parameter parameter, long[] shape) {}
}
