package io.decq.core.config;

import java.util.List;

/**
 * The {@code train} section: keys every trainer shares (loop, optimizer, schedule, EMA, checkpoints).
 *
 * <p>Steps are optimizer updates, numbered from 1; step {@code s} uses the learning rate the schedule
 * gives at {@code s}. The RAE stage-1 recipe is AdamW lr 2e-4, betas (0.9, 0.95), weight decay 0,
 * cosine with a one-epoch warm-up to 2e-5, EMA 0.9978; stage 2 uses a constant rate then a linear
 * decay to 2e-5, grad clip 1.0, EMA 0.9995.
 *
 * @param maxSteps optimizer steps to run in total
 * @param checkpointEvery write a checkpoint every this many steps (and at the end)
 * @param logEvery append a line to metrics.jsonl and the console every this many steps
 * @param batchSize images per optimizer step
 * @param seed seed of every random stream of the run (init, data order, noise)
 * @param lr peak learning rate (reached at the end of the warm-up)
 * @param betas AdamW's two moment decay rates (beta1, beta2)
 * @param eps AdamW's epsilon, added to the root of the second moment
 * @param weightDecay decoupled weight decay, applied as {@code p -= lr * weight_decay * p}
 * @param noDecay glob patterns over dotted parameter names exempt from weight decay ({@code *} any run
 *     of characters, dots included; {@code ?} one character; the whole name must match)
 * @param noDecayVectors also exempt every parameter with fewer than two dimensions (biases, norm scales)
 * @param warmupSteps linear warm-up from lr/warmup_steps at step 1 to lr at this step (0 = none)
 * @param lrSchedule the rate after the warm-up: cosine to final_lr at max_steps, constant, or constant
 *     then a linear decay to final_lr
 * @param finalLr the rate at max_steps (cosine and constant-linear)
 * @param decayStart constant-linear: the step where the linear decay begins (the end of the warm-up if
 *     that is later)
 * @param gradClip clip the global L2 norm of all gradients to this value (0 = off)
 * @param emaDecay decay of the exponential moving average of the trainable weights
 * @param keepLast keep this many most recent checkpoints (0 = keep all)
 * @param previewEvery write a preview grid every this many steps and at the end (0 = off)
 * @param previewEma render previews with the EMA weights instead of the raw ones
 */
public record TrainConfig(
    int maxSteps,
    int checkpointEvery,
    int logEvery,
    int batchSize,
    long seed,
    double lr,
    List<Double> betas,
    double eps,
    double weightDecay,
    List<String> noDecay,
    boolean noDecayVectors,
    int warmupSteps,
    Schedule lrSchedule,
    double finalLr,
    int decayStart,
    double gradClip,
    double emaDecay,
    int keepLast,
    int previewEvery,
    boolean previewEma) {

  /** The learning-rate shape after the warm-up. */
  public enum Schedule {
    /** Half a cosine from lr down to final_lr at max_steps. */
    COSINE,
    /** lr until the end. */
    CONSTANT,
    /** lr until decay_start, then a straight line down to final_lr at max_steps. */
    CONSTANT_LINEAR
  }

  public TrainConfig {
    Check.atLeast("max_steps", maxSteps, 1);
    Check.atLeast("checkpoint_every", checkpointEvery, 1);
    Check.atLeast("log_every", logEvery, 1);
    Check.atLeast("batch_size", batchSize, 1);
    Check.positive("lr", lr);
    Check.that(betas != null && betas.size() == 2, "betas", "must be a list of two numbers [beta1, beta2], got " + betas);
    Check.that(betas.get(0) >= 0 && betas.get(0) < 1, "betas", "beta1 must be in [0, 1), got " + betas.get(0));
    Check.that(betas.get(1) >= 0 && betas.get(1) < 1, "betas", "beta2 must be in [0, 1), got " + betas.get(1));
    betas = List.copyOf(betas);
    Check.positive("eps", eps);
    Check.atLeast("weight_decay", weightDecay, 0.0);
    Check.that(noDecay != null, "no_decay", "must be a list of name patterns (may be empty: [])");
    for (String p : noDecay) {
      Check.that(p != null && !p.isBlank(), "no_decay", "patterns must not be empty");
    }
    noDecay = List.copyOf(noDecay);
    Check.atLeast("warmup_steps", warmupSteps, 0);
    Check.that(warmupSteps <= maxSteps, "warmup_steps", "must be <= max_steps " + maxSteps + ", got " + warmupSteps);
    Check.that(lrSchedule != null, "lr_schedule", "must be one of cosine, constant, constant-linear");
    Check.atLeast("final_lr", finalLr, 0.0);
    Check.atLeast("decay_start", decayStart, 0);
    Check.that(decayStart <= maxSteps, "decay_start", "must be <= max_steps " + maxSteps + ", got " + decayStart);
    Check.atLeast("grad_clip", gradClip, 0.0);
    Check.that(emaDecay >= 0 && emaDecay < 1, "ema_decay", "must be in [0, 1), got " + emaDecay);
    Check.atLeast("keep_last", keepLast, 0);
    Check.atLeast("preview_every", previewEvery, 0);
  }

  public static TrainConfig defaults() {
    return new TrainConfig(
        1000,
        500,
        10,
        8,
        0,
        2e-4,
        List.of(0.9, 0.95),
        1e-8,
        0.0,
        List.of("*.bias", "*cls_token*", "*pos_embed*", "*query_pos*", "*query_tokens*", "*queries"),
        true,
        0,
        Schedule.COSINE,
        2e-5,
        0,
        0.0,
        0.9978,
        3,
        500,
        false);
  }
}
