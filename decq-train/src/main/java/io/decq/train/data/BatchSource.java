package io.decq.train.data;

/**
 * An endless, deterministic stream of training batches that can be repositioned, so that a training
 * loop can save where it stands and resume there exactly.
 *
 * @param <B> the batch type
 */
public interface BatchSource<B> extends AutoCloseable {
  /** The next batch; blocks until it is ready. */
  B next();

  /** Samples per batch (for images/s). */
  int batchSize();

  /** Samples in one epoch. */
  long epochSize();

  /** The position of the first sample of the batch {@link #next()} returns next. */
  DataPosition position();

  /** Continues the stream from {@code position} (the next batch starts there). */
  void seek(DataPosition position);

  @Override
  void close();
}
