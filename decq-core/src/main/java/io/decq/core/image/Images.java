package io.decq.core.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.decq.core.error.BadInputException;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Decoding, encoding and batching 8-bit RGB images. Decoding reads the raster's samples directly
 * (no colour-space conversion), so a PNG decodes to exactly the bytes PIL's {@code convert("RGB")}
 * gives: grey images are replicated to three channels, alpha is dropped, 16-bit samples are rounded
 * to 8 bits.
 */
public final class Images {
  /** File extensions treated as images when listing a folder. */
  public static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp");

  private Images() {}

  /** Decodes a PNG, JPEG or BMP file. */
  public static RgbImage read(Path file) {
    BufferedImage img;
    try {
      if (!Files.isRegularFile(file)) {
        throw new BadInputException(file + ": image file not found");
      }
      img = ImageIO.read(file.toFile());
    } catch (IOException | RuntimeException e) {
      if (e instanceof BadInputException b) {
        throw b;
      }
      throw new BadInputException(file + ": cannot decode image (" + e.getMessage() + ")");
    }
    if (img == null) {
      throw new BadInputException(file + ": not a readable image (expected PNG, JPEG or BMP)");
    }
    return fromBuffered(img);
  }

  /** The RGB bytes of a decoded image, without colour-space conversion. */
  public static RgbImage fromBuffered(BufferedImage img) {
    int h = img.getHeight();
    int w = img.getWidth();
    byte[] out = new byte[h * w * 3];
    Raster r = img.getRaster();
    int bands = r.getNumBands();
    if (img.getColorModel() instanceof IndexColorModel) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int argb = img.getRGB(x, y);
          int o = (y * w + x) * 3;
          out[o] = (byte) (argb >> 16);
          out[o + 1] = (byte) (argb >> 8);
          out[o + 2] = (byte) argb;
        }
      }
      return new RgbImage(h, w, out);
    }
    int bits = img.getColorModel().getComponentSize(0);
    int[] px = new int[bands];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        r.getPixel(x, y, px);
        int o = (y * w + x) * 3;
        for (int c = 0; c < 3; c++) {
          int v = px[bands >= 3 ? c : 0];
          if (bits == 16) {
            v = (v * 255 + 32767) / 65535;
          }
          out[o + c] = (byte) v;
        }
      }
    }
    return new RgbImage(h, w, out);
  }

  /** Encodes an image as PNG (atomically). */
  public static void writePng(RgbImage image, Path file) {
    byte[] png = toPng(image);
    io.decq.core.io.AtomicFiles.write(file, out -> out.write(png));
  }

  /** The PNG encoding of an image. */
  public static byte[] toPng(RgbImage image) {
    BufferedImage img = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_3BYTE_BGR);
    WritableRaster r = img.getRaster();
    int[] px = new int[3];
    for (int y = 0; y < image.height(); y++) {
      for (int x = 0; x < image.width(); x++) {
        for (int c = 0; c < 3; c++) {
          px[c] = image.get(y, x, c);
        }
        r.setPixel(x, y, px);
      }
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try {
      if (!ImageIO.write(img, "png", out)) {
        throw new IOException("no PNG writer");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * The images of a folder as {@link ImageFolder} lists them (directly inside it, or in its class
   * sub-folders), in path order.
   *
   * @throws BadInputException when the folder is missing or holds no images
   */
  public static List<Path> list(Path dir) {
    return ImageFolder.scan(dir, null).files();
  }


  /** Whether the file name has an image extension. */
  public static boolean isImage(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return EXTENSIONS.stream().anyMatch(n::endsWith);
  }

  /** A batch of same-sized images as a uint8 array {@code (B, 3, H, W)} owned by {@code manager}. */
  public static NDArray toNCHW(NDManager manager, List<RgbImage> images) {
    int h = images.get(0).height();
    int w = images.get(0).width();
    ByteBuffer buf = ByteBuffer.allocateDirect(images.size() * 3 * h * w);
    for (RgbImage im : images) {
      if (im.height() != h || im.width() != w) {
        throw new BadInputException("images in one batch must share a size: " + h + "x" + w + " vs "
            + im.height() + "x" + im.width());
      }
      for (int c = 0; c < 3; c++) {
        for (int i = 0; i < h * w; i++) {
          buf.put(im.rgb()[i * 3 + c]);
        }
      }
    }
    buf.flip();
    try (NDArray alias = manager.create(buf, new Shape(images.size(), 3, h, w), DataType.UINT8)) {
      return alias.duplicate();
    }
  }

  /**
   * Images from an array {@code (B, 3, H, W)} of floats in [0, 1] (rounded half to even after
   * clamping) or of uint8.
   */
  public static List<RgbImage> fromNCHW(NDArray batch) {
    long[] s = batch.getShape().getShape();
    int b = (int) s[0];
    int h = (int) s[2];
    int w = (int) s[3];
    List<RgbImage> out = new ArrayList<>();
    if (batch.getDataType() == DataType.UINT8) {
      byte[] all = batch.toByteArray();
      for (int k = 0; k < b; k++) {
        byte[] rgb = new byte[h * w * 3];
        for (int c = 0; c < 3; c++) {
          for (int i = 0; i < h * w; i++) {
            rgb[i * 3 + c] = all[((k * 3 + c) * h * w) + i];
          }
        }
        out.add(new RgbImage(h, w, rgb));
      }
      return out;
    }
    float[] all = batch.toType(DataType.FLOAT32, false).toFloatArray();
    for (int k = 0; k < b; k++) {
      byte[] rgb = new byte[h * w * 3];
      for (int c = 0; c < 3; c++) {
        for (int i = 0; i < h * w; i++) {
          float v = Math.min(1f, Math.max(0f, all[((k * 3 + c) * h * w) + i]));
          rgb[i * 3 + c] = (byte) Math.rint(v * 255f);
        }
      }
      out.add(new RgbImage(h, w, rgb));
    }
    return out;
  }

  /** Tiles images (all the same size) into a grid with {@code pad} white pixels between them. */
  public static RgbImage grid(List<RgbImage> images, int cols, int pad) {
    int h = images.get(0).height();
    int w = images.get(0).width();
    int rows = (images.size() + cols - 1) / cols;
    int gh = rows * h + (rows + 1) * pad;
    int gw = cols * w + (cols + 1) * pad;
    byte[] out = new byte[gh * gw * 3];
    java.util.Arrays.fill(out, (byte) 255);
    for (int k = 0; k < images.size(); k++) {
      RgbImage im = images.get(k);
      int oy = pad + (k / cols) * (h + pad);
      int ox = pad + (k % cols) * (w + pad);
      for (int y = 0; y < Math.min(h, im.height()); y++) {
        System.arraycopy(im.rgb(), y * im.width() * 3, out, ((oy + y) * gw + ox) * 3, Math.min(w, im.width()) * 3);
      }
    }
    return new RgbImage(gh, gw, out);
  }
}
