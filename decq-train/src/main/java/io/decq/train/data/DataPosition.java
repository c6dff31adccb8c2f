package io.decq.train.data;

/**
 * Where a data stream stands: the next sample is number {@code index} (0-based) of epoch {@code epoch}
 * in that epoch's shuffled order. Saved in checkpoints so that a resumed run sees the same samples.
 *
 * @param epoch pass over the data, from 0
 * @param index position within the epoch's order, from 0
 */
public record DataPosition(long epoch, long index) {
  public static final DataPosition START = new DataPosition(0, 0);

  public DataPosition {
    if (epoch < 0 || index < 0) {
      throw new IllegalArgumentException("data position must not be negative: epoch " + epoch + ", index " + index);
    }
  }
}
