package io.decq.eval.fid;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;

/**
 * pytorch-fid's {@code FIDInceptionC} (torchvision InceptionC with factorised 7x7 convolutions, average
 * pool without the padded zeros). Its {@code branch1x1} in {@code Mixed_6d} is ADM's {@code mixed_6/conv}.
 */
final class InceptionC extends InceptionModule {
  private final BasicConv2d branch1x1;
  private final BasicConv2d branch7x7_1;
  private final BasicConv2d branch7x7_2;
  private final BasicConv2d branch7x7_3;
  private final BasicConv2d branch7x7dbl_1;
  private final BasicConv2d branch7x7dbl_2;
  private final BasicConv2d branch7x7dbl_3;
  private final BasicConv2d branch7x7dbl_4;
  private final BasicConv2d branch7x7dbl_5;
  private final BasicConv2d branch_pool;

  InceptionC(int in, int c7) {
    branch1x1 = conv("branch1x1", in, 192, 1, 1, 0);
    branch7x7_1 = conv("branch7x7_1", in, c7, 1, 1, 0);
    branch7x7_2 = conv("branch7x7_2", c7, c7, 1, 7, 1, 0, 3);
    branch7x7_3 = conv("branch7x7_3", c7, 192, 7, 1, 1, 3, 0);
    branch7x7dbl_1 = conv("branch7x7dbl_1", in, c7, 1, 1, 0);
    branch7x7dbl_2 = conv("branch7x7dbl_2", c7, c7, 7, 1, 1, 3, 0);
    branch7x7dbl_3 = conv("branch7x7dbl_3", c7, c7, 1, 7, 1, 0, 3);
    branch7x7dbl_4 = conv("branch7x7dbl_4", c7, c7, 7, 1, 1, 3, 0);
    branch7x7dbl_5 = conv("branch7x7dbl_5", c7, 192, 1, 7, 1, 0, 3);
    branch_pool = conv("branch_pool", in, 192, 1, 1, 0);
  }

  @Override
  protected NDList branches(ParameterStore ps, NDArray x) {
    NDArray b1 = branch1x1.apply(ps, x); // (B, 192, H, W)
    NDArray b7 = branch7x7_3.apply(ps, branch7x7_2.apply(ps, branch7x7_1.apply(ps, x))); // (B, 192, H, W)
    NDArray bd = branch7x7dbl_1.apply(ps, x); // (B, c7, H, W)
    bd = branch7x7dbl_5.apply(ps, branch7x7dbl_4.apply(ps, branch7x7dbl_3.apply(ps, branch7x7dbl_2.apply(ps, bd)))); // (B, 192, H, W)
    NDArray bp = branch_pool.apply(ps, avgPoolTf(x)); // (B, 192, H, W)
    return new NDList(b1, b7, bd, bp);
  }

  @Override
  protected long outChannels(long inChannels) {
    return 4 * 192;
  }
}
