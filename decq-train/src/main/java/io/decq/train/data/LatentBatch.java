package io.decq.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.decq.core.io.DType;
import io.decq.core.io.HostTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A batch of cached raw joint latents in host memory, in the cache's element type, with their labels. The
 * trainer moves it to the device with {@link #latents(NDManager)}.
 *
 * @param size B
 * @param tokens L = Q + T
 * @param channels C
 * @param dtype the stored element type (f16 or f32)
 * @param data {@code B * L * C} elements, native byte order
 * @param labels B class labels
 * @param start the data position of the first sample
 */
public record LatentBatch(int size, int tokens, int channels, DType dtype, byte[] data, int[] labels, DataPosition start) {
  public LatentBatch {
    if (data.length != size * tokens * channels * dtype.bytes() || labels.length != size) {
      throw new IllegalArgumentException("batch of " + size + " latents of " + tokens + "x" + channels + " " + dtype
          + " needs " + size * tokens * channels * dtype.bytes() + " bytes and " + size + " labels, got " + data.length
          + " and " + labels.length);
    }
  }

  /** The raw latents as float32 {@code (B, L, C)} on {@code manager}'s device, owned by it. */
  public NDArray latents(NDManager manager) {
    HostTensor t = new HostTensor(dtype, new long[] {size, tokens, channels}, ByteBuffer.wrap(data).order(ByteOrder.nativeOrder()));
    NDArray stored = t.toNDArray(manager); // (B, L, C)
    return dtype == DType.F32 ? stored : stored.toType(DataType.FLOAT32, false);
  }
}
