package io.decq.train.data;

import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import java.nio.file.Path;
import java.util.Random;

/** Small synthetic image folders for tests. */
public final class TestImages {
  private TestImages() {}

  /**
   * Writes an image whose blue channel is {@code id} everywhere (so it survives crops and flips) and
   * whose red and green channels are pseudo-random texture from {@code id}.
   */
  public static void write(Path file, int id, int height, int width) {
    Random r = new Random(id * 7919L + 1);
    byte[] rgb = new byte[height * width * 3];
    for (int i = 0; i < height * width; i++) {
      rgb[i * 3] = (byte) r.nextInt(256);
      rgb[i * 3 + 1] = (byte) ((i % width) * 255 / Math.max(width - 1, 1));
      rgb[i * 3 + 2] = (byte) id;
    }
    Images.writePng(new RgbImage(height, width, rgb), file);
  }

  /** A flat folder of {@code n} images {@code img000.png...} with ids 0..n-1. */
  public static Path flat(Path dir, int n, int height, int width) {
    for (int i = 0; i < n; i++) {
      write(dir.resolve(String.format("img%03d.png", i)), i, height, width);
    }
    return dir;
  }

  /** The id (blue channel) of image {@code k} of a batch. */
  public static int idOf(HostBatch b, int k) {
    int plane = b.height() * b.width();
    return b.pixels()[k * 3 * plane + 2 * plane] & 0xFF;
  }
}
