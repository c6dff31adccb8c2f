package io.decq.train.data;

import io.decq.core.image.RgbImage;

/** Geometric transforms of 8-bit RGB images in host memory, with torchvision's conventions. */
public final class Transforms {
  private Transforms() {}

  /**
   * The size torchvision's {@code Resize(size)} gives: the shorter side becomes {@code size}, the longer
   * {@code int(size * long / short)} (truncated). Returns {@code {height, width}}.
   */
  public static int[] shorterSideSize(int height, int width, int size) {
    if (width <= height) {
      return new int[] {(int) ((long) size * height / width), size};
    }
    return new int[] {size, (int) ((long) size * width / height)};
  }

  /** Resizes the shorter side to {@code size} with PIL's antialiased bicubic (torchvision's Resize). */
  public static RgbImage resizeShorterSide(RgbImage image, int size) {
    int[] hw = shorterSideSize(image.height(), image.width(), size);
    if (hw[0] == image.height() && hw[1] == image.width()) {
      return image;
    }
    return PilResize.bicubic(image, hw[0], hw[1]);
  }

  /** The window of {@code height x width} pixels whose top-left corner is ({@code top}, {@code left}). */
  public static RgbImage crop(RgbImage image, int top, int left, int height, int width) {
    if (top < 0 || left < 0 || top + height > image.height() || left + width > image.width()) {
      throw new IllegalArgumentException("crop " + height + "x" + width + " at (" + top + ", " + left
          + ") does not fit a " + image.height() + "x" + image.width() + " image");
    }
    byte[] out = new byte[height * width * 3];
    for (int y = 0; y < height; y++) {
      System.arraycopy(image.rgb(), ((top + y) * image.width() + left) * 3, out, y * width * 3, width * 3);
    }
    return new RgbImage(height, width, out);
  }

  /**
   * Top offset of torchvision's {@code CenterCrop}: {@code round((size - crop) / 2)} with Python's
   * round half to even (the same formula gives the left offset).
   */
  public static int centerOffset(int size, int crop) {
    return (int) Math.rint((size - crop) / 2.0);
  }

  /** The image mirrored left-right. */
  public static RgbImage flipHorizontal(RgbImage image) {
    int h = image.height();
    int w = image.width();
    byte[] src = image.rgb();
    byte[] out = new byte[src.length];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int s = (y * w + x) * 3;
        int d = (y * w + (w - 1 - x)) * 3;
        out[d] = src[s];
        out[d + 1] = src[s + 1];
        out[d + 2] = src[s + 2];
      }
    }
    return new RgbImage(h, w, out);
  }
}
