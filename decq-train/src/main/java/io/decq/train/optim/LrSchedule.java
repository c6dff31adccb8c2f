package io.decq.train.optim;

import io.decq.core.config.TrainConfig;
import io.decq.core.config.TrainConfig.Schedule;

/**
 * The learning rate at each optimizer step {@code s = 1..max_steps}:
 *
 * <ul>
 *   <li>warm-up ({@code s <= W}, W = warmup_steps): {@code lr * s / W}, so step W runs at lr;
 *   <li>cosine: {@code final + (lr - final) * (1 + cos(pi * (s - W) / (max - W))) / 2}, reaching final_lr at
 *       max_steps;
 *   <li>constant: lr;
 *   <li>constant-linear: lr until {@code D = max(decay_start, W)}, then {@code lr + (final - lr) * (s - D) / (max - D)}.
 * </ul>
 */
public final class LrSchedule {
  private final Schedule kind;
  private final double lr;
  private final double finalLr;
  private final int warmup;
  private final int decayStart;
  private final int maxSteps;

  public LrSchedule(Schedule kind, double lr, double finalLr, int warmupSteps, int decayStart, int maxSteps) {
    this.kind = kind;
    this.lr = lr;
    this.finalLr = finalLr;
    this.warmup = warmupSteps;
    this.decayStart = Math.max(decayStart, warmupSteps);
    this.maxSteps = maxSteps;
  }

  public static LrSchedule of(TrainConfig t) {
    return new LrSchedule(t.lrSchedule(), t.lr(), t.finalLr(), t.warmupSteps(), t.decayStart(), t.maxSteps());
  }

  /** The rate of step {@code step} (1-based; steps past max_steps keep the last rate). */
  public double at(long step) {
    long s = Math.min(Math.max(step, 1), maxSteps);
    if (s <= warmup) {
      return lr * s / warmup;
    }
    return switch (kind) {
      case CONSTANT -> lr;
      case COSINE -> {
        double t = (double) (s - warmup) / (maxSteps - warmup);
        yield finalLr + (lr - finalLr) * 0.5 * (1 + Math.cos(Math.PI * t));
      }
      case CONSTANT_LINEAR -> {
        if (s <= decayStart) {
          yield lr;
        }
        double t = (double) (s - decayStart) / (maxSteps - decayStart);
        yield lr + (finalLr - lr) * t;
      }
    };
  }
}
