package io.decq.core.util;

/**
 * Derives independent 64-bit seeds from the run seed and a path of integers (stream tag, epoch,
 * index, step, ...) with the SplitMix64 finaliser, so that every random draw of a run is a pure
 * function of (seed, where it happens): data order, augmentations and per-step noise need no saved
 * generator state, and a resumed run draws exactly what an uninterrupted one would.
 */
public final class Seeds {
  /** Stream tag of the per-epoch data order. */
  public static final long DATA_ORDER = 1;
  /** Stream tag of per-sample augmentations. */
  public static final long AUGMENT = 2;
  /** Stream tag of the per-step generators of the training loop. */
  public static final long STEP = 3;
  /** Stream tag of preview rendering. */
  public static final long PREVIEW = 4;
  /** Stream tag of the initial noise of generated samples: sample i's noise is drawn from (seed, SAMPLE, i). */
  public static final long SAMPLE = 5;

  private Seeds() {}

  /** A seed for the stream at {@code path} under {@code seed}. */
  public static long derive(long seed, long... path) {
    long h = mix(seed);
    for (long p : path) {
      h = mix(h ^ mix(p + 0x9E3779B97F4A7C15L));
    }
    return h;
  }

  /** The SplitMix64 finaliser (Steele, Lea and Flood 2014). */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
