package io.decq.eval.fid;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;

/** torchvision's {@code InceptionB} (grid reduction 35 -> 17), unchanged in the FID network. */
final class InceptionB extends InceptionModule {
  private final BasicConv2d branch3x3;
  private final BasicConv2d branch3x3dbl_1;
  private final BasicConv2d branch3x3dbl_2;
  private final BasicConv2d branch3x3dbl_3;

  InceptionB(int in) {
    branch3x3 = conv("branch3x3", in, 384, 3, 2, 0);
    branch3x3dbl_1 = conv("branch3x3dbl_1", in, 64, 1, 1, 0);
    branch3x3dbl_2 = conv("branch3x3dbl_2", 64, 96, 3, 1, 1);
    branch3x3dbl_3 = conv("branch3x3dbl_3", 96, 96, 3, 2, 0);
  }

  @Override
  protected NDList branches(ParameterStore ps, NDArray x) {
    NDArray b3 = branch3x3.apply(ps, x); // (B, 384, H', W')
    NDArray bd = branch3x3dbl_3.apply(ps, branch3x3dbl_2.apply(ps, branch3x3dbl_1.apply(ps, x))); // (B, 96, H', W')
    NDArray bp = maxPoolReduce(x); // (B, C, H', W')
    return new NDList(b3, bd, bp);
  }

  @Override
  protected long outChannels(long inChannels) {
    return 384 + 96 + inChannels;
  }

  @Override
  protected int spatialStride() {
    return 2;
  }
}
