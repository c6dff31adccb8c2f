package io.decq.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.pooling.Pool;
import io.decq.core.nn.Conv2d;
import io.decq.core.nn.DecqBlock;
import java.util.ArrayList;
import java.util.List;

/**
 * torchvision's VGG16 {@code features} trunk up to {@code relu5_3}, as LPIPS taps it: 3x3 convolutions
 * (padding 1) + ReLU, 2x2 max-pools of stride 2. Children are named by their index in torchvision's
 * {@code features} Sequential ({@code features.0}, {@code features.2}, ..., {@code features.28}), so the
 * state-dict keys are those of {@code vgg16-397923af.pth}; the pools (4, 9, 16, 23) have no parameters and
 * the last pool ({@code features.30}) and {@code classifier.*} are not used.
 *
 * <p>Dimensions: B batch, C channels of a tap (64, 128, 256, 512, 512), H/W spatial size (halved by each
 * pool).
 */
final class Vgg16Features extends DecqBlock {
  /** Per stage: the indices of its convolutions in torchvision's {@code features}; each stage ends at a tap. */
  private static final int[][] STAGES = {{0, 2}, {5, 7}, {10, 12, 14}, {17, 19, 21}, {24, 26, 28}};

  /** Output channels of each stage (= the channels of the five LPIPS taps). */
  static final long[] TAP_CHANNELS = {64, 128, 256, 512, 512};

  private final List<List<Conv2d>> stages = new ArrayList<>();

  Vgg16Features() {
    long in = 3;
    for (int s = 0; s < STAGES.length; s++) {
      List<Conv2d> convs = new ArrayList<>();
      for (int index : STAGES[s]) {
        convs.add(child("features." + index, new Conv2d(in, TAP_CHANNELS[s], 3, 1, 1, true)));
        in = TAP_CHANNELS[s];
      }
      stages.add(convs);
    }
  }

  /** (B, 3, H, W) -> the five taps relu1_2, relu2_2, relu3_3, relu4_3, relu5_3, each (B, C, H / 2^k, W / 2^k). */
  List<NDArray> taps(NDArray x) {
    List<NDArray> taps = new ArrayList<>();
    NDArray h = x;
    for (int s = 0; s < stages.size(); s++) {
      if (s > 0) {
        h = Pool.maxPool2d(h, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false); // (B, C, H/2, W/2)
      }
      for (Conv2d conv : stages.get(s)) {
        h = Activation.relu(conv.forward(h)); // (B, C, H, W)
      }
      taps.add(h);
    }
    return taps;
  }
}
