package io.decq.sample;

import io.decq.core.error.BadInputException;

/**
 * Shard {@code index} of {@code count} (written {@code I/N}, 0-based, as a SLURM array's
 * {@code ${SLURM_ARRAY_TASK_ID}/${SLURM_ARRAY_TASK_COUNT}}).
 */
public record ShardSpec(int index, int count) {
  /** The whole job in one shard. */
  public static final ShardSpec ALL = new ShardSpec(0, 1);

  public ShardSpec {
    if (count < 1 || index < 0 || index >= count) {
      throw new BadInputException("--shard " + index + "/" + count + ": expected I/N with 0 <= I < N");
    }
  }

  /** Parses {@code I/N}. */
  public static ShardSpec parse(String text) {
    String[] p = text.trim().split("/");
    try {
      if (p.length == 2) {
        return new ShardSpec(Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()));
      }
    } catch (NumberFormatException e) {
      // falls through to the message below
    }
    throw new BadInputException("--shard " + text + ": expected I/N with 0 <= I < N, e.g. 0/4");
  }

  @Override
  public String toString() {
    return index + "/" + count;
  }
}
