package io.decq.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A batch of augmented images in host memory, uint8 in {@code (B, 3, H, W)} order, with their labels.
 * The trainer moves it to the device with {@link #images(NDManager)} and converts to float there.
 *
 * @param size B, the number of images
 * @param height H
 * @param width W
 * @param pixels {@code B * 3 * H * W} bytes, channel-planar per image (R plane, G plane, B plane)
 * @param labels B class labels
 * @param start the data position of the first image
 */
public record HostBatch(int size, int height, int width, byte[] pixels, int[] labels, DataPosition start) {
  /** One staging buffer per thread that uploads batches, grown as needed (direct memory is not reused otherwise). */
  private static final ThreadLocal<ByteBuffer> STAGING = new ThreadLocal<>();

  public HostBatch {
    if (pixels.length != size * 3 * height * width || labels.length != size) {
      throw new IllegalArgumentException("batch of " + size + " images of " + height + "x" + width + " needs "
          + size * 3 * height * width + " bytes and " + size + " labels, got " + pixels.length + " and " + labels.length);
    }
  }

  /** The images as a uint8 array {@code (B, 3, H, W)} on {@code manager}'s device, owned by it. */
  public NDArray images(NDManager manager) {
    ByteBuffer buf = STAGING.get();
    if (buf == null || buf.capacity() < pixels.length) {
      buf = ByteBuffer.allocateDirect(pixels.length).order(ByteOrder.nativeOrder());
      STAGING.set(buf);
    }
    buf.clear();
    buf.put(pixels).flip();
    try (NDArray alias = manager.create(buf, new Shape(size, 3, height, width), DataType.UINT8)) {
      return alias.duplicate(); // (B, 3, H, W) uint8, in memory libtorch owns
    }
  }

  /** The labels as an int64 array {@code (B)} owned by {@code manager}. */
  public NDArray labels(NDManager manager) {
    long[] l = new long[size];
    for (int i = 0; i < size; i++) {
      l[i] = labels[i];
    }
    return manager.create(l);
  }
}
