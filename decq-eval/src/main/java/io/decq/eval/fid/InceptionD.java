package io.decq.eval.fid;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;

/** torchvision's {@code InceptionD} (grid reduction 17 -> 8), unchanged in the FID network. */
final class InceptionD extends InceptionModule {
  private final BasicConv2d branch3x3_1;
  private final BasicConv2d branch3x3_2;
  private final BasicConv2d branch7x7x3_1;
  private final BasicConv2d branch7x7x3_2;
  private final BasicConv2d branch7x7x3_3;
  private final BasicConv2d branch7x7x3_4;

  InceptionD(int in) {
    branch3x3_1 = conv("branch3x3_1", in, 192, 1, 1, 0);
    branch3x3_2 = conv("branch3x3_2", 192, 320, 3, 2, 0);
    branch7x7x3_1 = conv("branch7x7x3_1", in, 192, 1, 1, 0);
    branch7x7x3_2 = conv("branch7x7x3_2", 192, 192, 1, 7, 1, 0, 3);
    branch7x7x3_3 = conv("branch7x7x3_3", 192, 192, 7, 1, 1, 3, 0);
    branch7x7x3_4 = conv("branch7x7x3_4", 192, 192, 3, 2, 0);
  }

  @Override
  protected NDList branches(ParameterStore ps, NDArray x) {
    NDArray b3 = branch3x3_2.apply(ps, branch3x3_1.apply(ps, x)); // (B, 320, H', W')
    NDArray b7 = branch7x7x3_1.apply(ps, x); // (B, 192, H, W)
    b7 = branch7x7x3_4.apply(ps, branch7x7x3_3.apply(ps, branch7x7x3_2.apply(ps, b7))); // (B, 192, H', W')
    NDArray bp = maxPoolReduce(x); // (B, C, H', W')
    return new NDList(b3, b7, bp);
  }

  @Override
  protected long outChannels(long inChannels) {
    return 320 + 192 + inChannels;
  }

  @Override
  protected int spatialStride() {
    return 2;
  }
}
