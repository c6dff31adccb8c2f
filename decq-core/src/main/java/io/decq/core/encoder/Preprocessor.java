package io.decq.core.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.decq.core.config.EncoderConfig.Family;
import io.decq.core.image.ResizeMatrix;

/**
 * RAE's encoder input pipeline ({@code RAE.encode}): images in [0, 1] (uint8 is divided by 255 in
 * float32, as torchvision's {@code ToTensor}), resized from {@code imageSize} to {@code inputSize} with
 * PyTorch's bicubic ({@code align_corners=False}, no antialias, A = -0.75) when the two differ, then
 * {@code (x - mean) / std} per channel: ImageNet statistics for DINOv2, 0.5 / 0.5 for SigLIP2.
 *
 * <p>Dimensions: B batch, S image side, S' input side.
 */
public final class Preprocessor {
  private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
  private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};
  private static final float[] HALF = {0.5f, 0.5f, 0.5f};

  private final int imageSize;
  private final int inputSize;
  private final double[][] resize;
  private final float[] mean;
  private final float[] std;

  public Preprocessor(Family family, int imageSize, int inputSize) {
    this.imageSize = imageSize;
    this.inputSize = inputSize;
    this.resize = imageSize == inputSize ? null : ResizeMatrix.bicubic(imageSize, inputSize);
    this.mean = family == Family.DINOV2_REG ? IMAGENET_MEAN : HALF;
    this.std = family == Family.DINOV2_REG ? IMAGENET_STD : HALF;
  }

  public int imageSize() {
    return imageSize;
  }

  public int inputSize() {
    return inputSize;
  }

  /** (B, 3, S, S) uint8 or float32 in [0, 1] -> (B, 3, S', S') float32 pixel values; temporaries in {@code images}' manager. */
  public NDArray apply(NDArray images) {
    NDArray x = images.getDataType() == DataType.UINT8
        ? images.toType(DataType.FLOAT32, false).div(255f) // (B, 3, S, S)
        : images.stopGradient(); // (B, 3, S, S)
    if (resize != null) {
      x = ResizeMatrix.apply(x, resize, resize); // (B, 3, S', S')
    }
    NDArray m = images.getManager().create(mean, new Shape(1, 3, 1, 1)).toDevice(images.getDevice(), false);
    NDArray s = images.getManager().create(std, new Shape(1, 3, 1, 1)).toDevice(images.getDevice(), false);
    return x.sub(m).div(s); // (B, 3, S', S')
  }
}
