package io.decq.eval.fid;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;

/** pytorch-fid's {@code FIDInceptionA} (torchvision InceptionA, average pool without the padded zeros). */
final class InceptionA extends InceptionModule {
  private final int poolFeatures;
  private final BasicConv2d branch1x1;
  private final BasicConv2d branch5x5_1;
  private final BasicConv2d branch5x5_2;
  private final BasicConv2d branch3x3dbl_1;
  private final BasicConv2d branch3x3dbl_2;
  private final BasicConv2d branch3x3dbl_3;
  private final BasicConv2d branch_pool;

  InceptionA(int in, int poolFeatures) {
    this.poolFeatures = poolFeatures;
    branch1x1 = conv("branch1x1", in, 64, 1, 1, 0);
    branch5x5_1 = conv("branch5x5_1", in, 48, 1, 1, 0);
    branch5x5_2 = conv("branch5x5_2", 48, 64, 5, 1, 2);
    branch3x3dbl_1 = conv("branch3x3dbl_1", in, 64, 1, 1, 0);
    branch3x3dbl_2 = conv("branch3x3dbl_2", 64, 96, 3, 1, 1);
    branch3x3dbl_3 = conv("branch3x3dbl_3", 96, 96, 3, 1, 1);
    branch_pool = conv("branch_pool", in, poolFeatures, 1, 1, 0);
  }

  @Override
  protected NDList branches(ParameterStore ps, NDArray x) {
    NDArray b1 = branch1x1.apply(ps, x); // (B, 64, H, W)
    NDArray b5 = branch5x5_2.apply(ps, branch5x5_1.apply(ps, x)); // (B, 64, H, W)
    NDArray b3 = branch3x3dbl_3.apply(ps, branch3x3dbl_2.apply(ps, branch3x3dbl_1.apply(ps, x))); // (B, 96, H, W)
    NDArray bp = branch_pool.apply(ps, avgPoolTf(x)); // (B, pool_features, H, W)
    return new NDList(b1, b5, b3, bp);
  }

  @Override
  protected long outChannels(long inChannels) {
    return 64 + 64 + 96 + poolFeatures;
  }
}
