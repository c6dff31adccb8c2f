package io.decq.eval.fid;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;

/**
 * pytorch-fid's {@code FIDInceptionE_1} ({@code maxPool = false}: average pool without the padded zeros)
 * and {@code FIDInceptionE_2} ({@code maxPool = true}: the FID graph's 3x3 max pool in the pool branch).
 */
final class InceptionE extends InceptionModule {
  private final boolean maxPool;
  private final BasicConv2d branch1x1;
  private final BasicConv2d branch3x3_1;
  private final BasicConv2d branch3x3_2a;
  private final BasicConv2d branch3x3_2b;
  private final BasicConv2d branch3x3dbl_1;
  private final BasicConv2d branch3x3dbl_2;
  private final BasicConv2d branch3x3dbl_3a;
  private final BasicConv2d branch3x3dbl_3b;
  private final BasicConv2d branch_pool;

  InceptionE(int in, boolean maxPool) {
    this.maxPool = maxPool;
    branch1x1 = conv("branch1x1", in, 320, 1, 1, 0);
    branch3x3_1 = conv("branch3x3_1", in, 384, 1, 1, 0);
    branch3x3_2a = conv("branch3x3_2a", 384, 384, 1, 3, 1, 0, 1);
    branch3x3_2b = conv("branch3x3_2b", 384, 384, 3, 1, 1, 1, 0);
    branch3x3dbl_1 = conv("branch3x3dbl_1", in, 448, 1, 1, 0);
    branch3x3dbl_2 = conv("branch3x3dbl_2", 448, 384, 3, 1, 1);
    branch3x3dbl_3a = conv("branch3x3dbl_3a", 384, 384, 1, 3, 1, 0, 1);
    branch3x3dbl_3b = conv("branch3x3dbl_3b", 384, 384, 3, 1, 1, 1, 0);
    branch_pool = conv("branch_pool", in, 192, 1, 1, 0);
  }

  @Override
  protected NDList branches(ParameterStore ps, NDArray x) {
    NDArray b1 = branch1x1.apply(ps, x); // (B, 320, H, W)
    NDArray t = branch3x3_1.apply(ps, x); // (B, 384, H, W)
    NDArray b3 = NDArrays.concat(new NDList(branch3x3_2a.apply(ps, t), branch3x3_2b.apply(ps, t)), 1); // (B, 768, H, W)
    NDArray d = branch3x3dbl_2.apply(ps, branch3x3dbl_1.apply(ps, x)); // (B, 384, H, W)
    NDArray bd = NDArrays.concat(new NDList(branch3x3dbl_3a.apply(ps, d), branch3x3dbl_3b.apply(ps, d)), 1); // (B, 768, H, W)
    NDArray bp = branch_pool.apply(ps, maxPool ? maxPoolSame(x) : avgPoolTf(x)); // (B, 192, H, W)
    return new NDList(b1, b3, bd, bp);
  }

  @Override
  protected long outChannels(long inChannels) {
    return 320 + 768 + 768 + 192;
  }
}
