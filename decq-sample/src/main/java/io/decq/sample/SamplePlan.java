package io.decq.sample;

import io.decq.core.error.BadInputException;
import java.util.ArrayList;
import java.util.List;

/**
 * Which samples a job draws: N samples in fixed batches of global indices {@code [kB, min((k+1)B, N))};
 * a shard takes a contiguous run of whole batches, so shards merged in order equal the unsharded run.
 *
 * @param num N, samples in the whole run
 * @param batch B, samples per batch
 * @param shard which part of the batches this job draws
 */
public record SamplePlan(long num, int batch, ShardSpec shard) {
  public SamplePlan {
    if (num < 1) {
      throw new BadInputException("--num " + num + ": expected at least 1 sample");
    }
    if (batch < 1) {
      throw new BadInputException("--batch " + batch + ": expected at least 1");
    }
  }

  /** A batch: global sample indices {@code [start, end)}. */
  public record Batch(long start, long end) {
    public int size() {
      return (int) (end - start);
    }
  }

  /** K, batches in the whole run. */
  public long totalBatches() {
    return (num + batch - 1) / batch;
  }

  /** The batches of this shard, in order. */
  public List<Batch> batches() {
    long k = totalBatches();
    long from = k * shard.index() / shard.count();
    long to = k * (shard.index() + 1) / shard.count();
    List<Batch> out = new ArrayList<>();
    for (long b = from; b < to; b++) {
      out.add(new Batch(b * batch, Math.min(num, (b + 1) * batch)));
    }
    return out;
  }

  /** The first global index of this shard (its end when it is empty). */
  public long start() {
    long k = totalBatches();
    return Math.min(num, k * shard.index() / shard.count() * batch);
  }

  /** One past the last global index of this shard. */
  public long end() {
    long k = totalBatches();
    return Math.min(num, k * (shard.index() + 1) / shard.count() * batch);
  }
}
