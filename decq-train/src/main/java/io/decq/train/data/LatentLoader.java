package io.decq.train.data;

import io.decq.core.util.Seeds;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Training batches from a {@link LatentCache}, gathered on a worker thread up to {@code prefetch} batches
 * ahead, so reading the shards stays off the training step's path. The stream is {@link ImageLoader}'s: epoch
 * {@code e} visits every sample once in the order drawn from {@code (seed, e)}, and with flips on, the sample
 * at (epoch, index) takes its flipped copy when a generator seeded by {@code (seed, epoch, index)} says so
 * (probability 1/2). It is a pure function of the seed and the position, and {@link #seek} resumes it exactly.
 */
public final class LatentLoader implements BatchSource<LatentBatch> {
  private final LatentCache cache;
  private final int batchSize;
  private final long seed;
  private final boolean flip;
  private final int prefetch;
  private final ExecutorService worker;
  private final ArrayDeque<Future<LatentBatch>> inFlight = new ArrayDeque<>();
  private final Map<Long, int[]> orders = new LinkedHashMap<>(4, 0.75f, true) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, int[]> eldest) {
      return size() > 3;
    }
  };
  private long nextOut;
  private long nextIn;

  /**
   * @param flip use the flipped copies (the cache must hold them)
   * @param prefetch batches prepared ahead (at least 1)
   */
  public LatentLoader(LatentCache cache, int batchSize, long seed, boolean flip, int prefetch) {
    if (batchSize < 1 || prefetch < 1) {
      throw new IllegalArgumentException("batch size and prefetch must be >= 1");
    }
    if (flip && !cache.hasFlips()) {
      throw new IllegalArgumentException("the cache holds no flipped copies");
    }
    this.cache = cache;
    this.batchSize = batchSize;
    this.seed = seed;
    this.flip = flip;
    this.prefetch = prefetch;
    this.worker = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "decq-latents");
      t.setDaemon(true);
      return t;
    });
  }

  /** The cache read. */
  public LatentCache cache() {
    return cache;
  }

  @Override
  public LatentBatch next() {
    fill();
    Future<LatentBatch> head = inFlight.poll();
    nextOut += batchSize;
    fill();
    try {
      return head.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a batch", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException("latent reader failed: " + e.getCause(), e.getCause());
    }
  }

  @Override
  public int batchSize() {
    return batchSize;
  }

  @Override
  public long epochSize() {
    return cache.size();
  }

  @Override
  public DataPosition position() {
    return new DataPosition(nextOut / cache.size(), nextOut % cache.size());
  }

  @Override
  public void seek(DataPosition position) {
    cancelInFlight();
    nextOut = Math.addExact(Math.multiplyExact(position.epoch(), (long) cache.size()), position.index());
    nextIn = nextOut;
  }

  @Override
  public void close() {
    cancelInFlight();
    worker.shutdownNow();
    try {
      worker.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private synchronized int[] order(long epoch) {
    return orders.computeIfAbsent(epoch, e -> ImageLoader.shuffled(cache.size(), seed, e));
  }

  private void fill() {
    while (inFlight.size() < prefetch) {
      long start = nextIn;
      inFlight.add(worker.submit(() -> batchAt(start)));
      nextIn += batchSize;
    }
  }

  private LatentBatch batchAt(long start) {
    long n = cache.size();
    int bytes = cache.sampleBytes();
    byte[] data = new byte[batchSize * bytes];
    int[] labels = new int[batchSize];
    for (int k = 0; k < batchSize; k++) {
      long g = start + k;
      long epoch = g / n;
      long index = g % n;
      int sample = order(epoch)[(int) index];
      boolean flipped = flip && new Random(Seeds.derive(seed, Seeds.AUGMENT, epoch, index)).nextBoolean();
      cache.copySample(sample, flipped, data, k * bytes);
      labels[k] = cache.label(sample);
    }
    return new LatentBatch(batchSize, cache.layout().tokens(), cache.layout().channels(), cache.dtype(), data, labels,
        new DataPosition(start / n, start % n));
  }

  private void cancelInFlight() {
    for (Future<LatentBatch> f : inFlight) {
      f.cancel(true);
    }
    inFlight.clear();
  }
}
