package io.decq.core.image;

/**
 * An 8-bit RGB image in host memory, row-major {@code H x W x 3} (channels R, G, B), the layout PNG
 * decoders and the reference tools (PIL, scikit-image) use.
 *
 * @param height rows
 * @param width columns
 * @param rgb {@code height * width * 3} bytes (unsigned)
 */
public record RgbImage(int height, int width, byte[] rgb) {
  public RgbImage {
    if (rgb.length != height * width * 3) {
      throw new IllegalArgumentException("RGB buffer of " + rgb.length + " bytes does not fit " + height + "x" + width + "x3");
    }
  }

  /** Channel {@code c} of pixel (y, x) as 0..255. */
  public int get(int y, int x, int c) {
    return rgb[(y * width + x) * 3 + c] & 0xFF;
  }
}
