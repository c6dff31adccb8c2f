package io.decq.train.recon;

import ai.djl.ndarray.NDArray;
import io.decq.core.config.LossConfig;
import io.decq.train.loop.StepContext;
import io.decq.train.loop.StepLoss;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The stage-1 reconstruction loss: an ordered map of named, weighted terms, {@code total = sum_i w_i *
 * term_i}. Each term is a scalar computed from the reconstruction and its target, both (B, 3, H, W)
 * pixels in [0, 1] (the reconstruction un-clamped). The training loop logs every term's unweighted value
 * as a metrics.jsonl column under its name, beside the weighted total {@code loss}.
 *
 * <p>{@link #of(LossConfig)} builds the terms the {@code loss} section enables: {@code l1} (mean absolute
 * error) and {@code l2} (mean squared error); a term with weight 0 is left out, not computed. Further
 * {@link Term}s are added with {@link #with}: {@link ReconTrainer} adds {@code lpips} (frozen VGG16
 * features of both images mapped to [-1, 1]). The GAN term is not a term of this map: its weight depends
 * on the gradients of this loss ({@link ReconGan#withGenerator}).
 */
public final class ReconLoss {
  /** One term of the loss. */
  @FunctionalInterface
  public interface Term {
    /**
     * The term's unweighted scalar value for one batch.
     *
     * @param reconstruction (B, 3, H, W) decoded pixels (differentiable, not clamped)
     * @param target (B, 3, H, W) the input images in [0, 1] (no gradient)
     * @param ctx the step: its manager, step number, fractional epoch, random generator
     * @return a scalar; its gradient flows into the reconstruction
     */
    NDArray compute(NDArray reconstruction, NDArray target, StepContext ctx);
  }

  /** A term and its weight. */
  public record Weighted(double weight, Term term) {
    public Weighted {
      if (!(weight > 0) || Double.isInfinite(weight)) {
        throw new IllegalArgumentException("a loss weight must be a positive number, got " + weight);
      }
    }
  }

  private final Map<String, Weighted> terms;

  private ReconLoss(Map<String, Weighted> terms) {
    if (terms.isEmpty()) {
      throw new IllegalArgumentException("the loss has no term");
    }
    this.terms = Collections.unmodifiableMap(new LinkedHashMap<>(terms));
  }

  /** The terms the {@code loss} section enables, in the order l1, l2. */
  public static ReconLoss of(LossConfig config) {
    Map<String, Weighted> terms = new LinkedHashMap<>();
    if (config.l1Weight() > 0) {
      terms.put("l1", new Weighted(config.l1Weight(), ReconLoss::l1));
    }
    if (config.l2Weight() > 0) {
      terms.put("l2", new Weighted(config.l2Weight(), ReconLoss::l2));
    }
    return new ReconLoss(terms);
  }

  /** This loss with one more term appended (its name must be new). */
  public ReconLoss with(String name, double weight, Term term) {
    if (terms.containsKey(name)) {
      throw new IllegalArgumentException("the loss already has a term named " + name);
    }
    Map<String, Weighted> more = new LinkedHashMap<>(terms);
    more.put(name, new Weighted(weight, term));
    return new ReconLoss(more);
  }

  /** The terms by name, in order. */
  public Map<String, Weighted> terms() {
    return terms;
  }

  /** Evaluates every term: the weighted total and each term's unweighted value. */
  public StepLoss compute(NDArray reconstruction, NDArray target, StepContext ctx) {
    Map<String, NDArray> values = new LinkedHashMap<>();
    NDArray total = null;
    for (Map.Entry<String, Weighted> e : terms.entrySet()) {
      NDArray value = e.getValue().term().compute(reconstruction, target, ctx); // ()
      values.put(e.getKey(), value);
      NDArray weighted = value.mul((float) e.getValue().weight());
      total = total == null ? weighted : total.add(weighted);
    }
    return new StepLoss(total, values);
  }

  /** Mean absolute error over every pixel and channel. */
  static NDArray l1(NDArray reconstruction, NDArray target, StepContext ctx) {
    return reconstruction.sub(target).abs().mean();
  }

  /** Mean squared error over every pixel and channel. */
  static NDArray l2(NDArray reconstruction, NDArray target, StepContext ctx) {
    return reconstruction.sub(target).square().mean();
  }
}
