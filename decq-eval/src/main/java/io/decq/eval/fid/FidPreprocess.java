package io.decq.eval.fid;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.decq.core.error.BadInputException;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import java.util.List;
import java.util.Locale;

/**
 * How uint8 images become the FID network's {@code (B, 3, 299, 299)} float32 input. Both resizes are
 * exact interpolation matrices applied with {@code matMul} on the images' device.
 *
 * <p>Dimensions: B batch, H x W input size, S = 299.
 */
public enum FidPreprocess {
  /**
   * The ADM evaluator / torch-fidelity (the default; what papers report): uint8 -> float32 in [0, 255] ->
   * TensorFlow 1.x bilinear resize to 299 ({@link Interpolation#tf1Bilinear}) -> {@code (x - 128) / 128}.
   */
  TF,
  /**
   * pytorch-fid: {@code u8 / 255} -> PyTorch bilinear resize ({@code align_corners=False}, no antialias;
   * {@link Interpolation#torchBilinear}) -> {@code 2x - 1}.
   */
  TORCH;

  /** Parses {@code tf} / {@code torch} (any case); anything else is a {@link BadInputException}. */
  public static FidPreprocess parse(String name) {
    for (FidPreprocess p : values()) {
      if (p.id().equalsIgnoreCase(name.trim())) {
        return p;
      }
    }
    throw new BadInputException("--preprocess " + name + ": expected tf (ADM evaluator / torch-fidelity) or torch (pytorch-fid)");
  }

  /** The lower-case name used on the command line and in reports. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The network input for a uint8 batch {@code (B, 3, H, W)}; the result (and every temporary) belongs to
   * {@code images}' manager.
   */
  @SuppressWarnings("try") // the NDScope closes what the body creates
  public NDArray apply(NDArray images) {
    NDManager m = images.getManager();
    long[] s = images.getShape().getShape();
    int h = Math.toIntExact(s[2]);
    int w = Math.toIntExact(s[3]);
    int out = FidInception.INPUT_SIZE;
    float[] wy = this == TF ? Interpolation.tf1Bilinear(h, out) : Interpolation.torchBilinear(h, out);
    float[] wx = this == TF ? Interpolation.tf1Bilinear(w, out) : Interpolation.torchBilinear(w, out);
    try (NDScope scope = new NDScope()) {
      NDArray x = images.toType(DataType.FLOAT32, false); // (B, 3, H, W) in [0, 255]
      if (this == TORCH) {
        x = x.div(255f); // (B, 3, H, W) in [0, 1], as ToTensor
      }
      NDArray wxT = m.create(transpose(wx, out, w), new Shape(w, out)); // (W, S)
      NDArray wyM = m.create(wy, new Shape(out, h)); // (S, H)
      NDArray rows = x.matMul(wxT); // (B, 3, H, S): along x first, as TF1 does
      NDArray resized = wyM.matMul(rows); // (B, 3, S, S)
      NDArray input = this == TF
          ? resized.sub(128f).div(128f) // (B, 3, S, S) in [-1, 1]
          : resized.mul(2f).sub(1f); // (B, 3, S, S) in [-1, 1]
      NDScope.unregister(input);
      return input;
    }
  }

  /**
   * The network input {@code (B, 3, 299, 299)} for decoded images of any sizes (each run of equal-sized
   * images is resized together), owned by {@code manager}.
   */
  public NDArray batch(NDManager manager, List<RgbImage> images) {
    NDList parts = new NDList();
    int start = 0;
    while (start < images.size()) {
      int end = start + 1;
      while (end < images.size() && sameSize(images.get(end), images.get(start))) {
        end++;
      }
      try (NDArray u8 = Images.toNCHW(manager, images.subList(start, end))) { // (b, 3, H, W)
        parts.add(apply(u8)); // (b, 3, S, S)
      }
      start = end;
    }
    if (parts.size() == 1) {
      return parts.get(0);
    }
    NDArray input = NDArrays.concat(parts, 0); // (B, 3, S, S)
    parts.close();
    return input;
  }

  private static boolean sameSize(RgbImage a, RgbImage b) {
    return a.height() == b.height() && a.width() == b.width();
  }

  private static float[] transpose(float[] a, int rows, int cols) {
    float[] t = new float[a.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        t[c * rows + r] = a[r * cols + c];
      }
    }
    return t;
  }
}
