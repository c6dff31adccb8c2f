package io.decq.core.dit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.decq.core.config.FlowConfig;
import io.decq.core.error.BadInputException;
import io.decq.core.flow.Guidance;
import io.decq.core.flow.OdeSolver;
import io.decq.core.flow.SampleNoise;
import io.decq.core.flow.TimeGrid;
import io.decq.core.flow.TimeShift;
import io.decq.core.flow.VelocityModel;
import io.decq.core.latent.LatentLayout;
import io.decq.core.nn.NoGrad;
import io.decq.core.util.Seeds;

/**
 * Draws normalised joint latents from a DiT-DH: what training previews, online evaluation and {@code decq
 * sample} share. Sample i starts from noise drawn from (seed, i) alone ({@link SampleNoise}, {@link
 * Seeds#SAMPLE}), so a sample does not depend on the batch it is drawn in; the flow config gives the solver,
 * the number of grid points and the shift (RAE's grid {@link TimeGrid#rae}); guidance is classifier-free
 * (the null label) or AutoGuidance (a second DiT-DH given the same labels), inside [t_min, t_max].
 *
 * <p>Dimensions: B batch, L = Q + T tokens, C channels.
 */
@SuppressWarnings("try") // the NoGrad region is opened for its effect
public final class DitSampler {
  private final DitDH model;
  private final VelocityModel velocity;
  private final OdeSolver solver;
  private final float[] grid;
  private final boolean guided;

  /**
   * Guidance settings.
   *
   * @param guide the AutoGuidance model (same latent layout), or null for classifier-free guidance
   * @param scale w; 1 = no guidance (the guide is not evaluated)
   * @param tMin start of the guidance interval
   * @param tMax end of the guidance interval
   */
  public record Guide(DitDH guide, double scale, double tMin, double tMax) {
    /** No guidance. */
    public static final Guide NONE = new Guide(null, 1.0, 0.0, 1.0);

    /** Classifier-free guidance as the flow config sets it ({@code cfg_scale}, {@code cfg_interval}). */
    public static Guide of(FlowConfig flow) {
      return new Guide(null, flow.cfgScale(), flow.cfgInterval().get(0), flow.cfgInterval().get(1));
    }
  }

  /**
   * @param model the denoiser (its weights as they are: load EMA weights first for evaluation)
   * @param flow solver, grid points and shift
   * @param guide guidance, or {@link Guide#NONE}
   */
  public DitSampler(DitDH model, FlowConfig flow, Guide guide) {
    this.model = model;
    LatentLayout layout = model.layout();
    this.solver = OdeSolver.of(flow.sampler());
    this.grid = TimeGrid.rae(flow.steps(), TimeShift.factor(flow, layout.values()));
    this.guided = guide.scale() != 1.0;
    if (!guided) {
      velocity = model;
    } else if (guide.guide() == null) {
      velocity = Guidance.classifierFree(model, model.nullClass(), guide.scale(), guide.tMin(), guide.tMax());
    } else {
      if (!guide.guide().layout().equals(layout) || guide.guide().nullClass() != model.nullClass()) {
        throw new BadInputException("the guide's latent " + guide.guide().layout() + " with " + guide.guide().nullClass()
            + " classes differs from the model's " + layout + " with " + model.nullClass() + " classes");
      }
      velocity = Guidance.autoGuidance(model, guide.guide(), guide.scale(), guide.tMin(), guide.tMax());
    }
  }

  /** Velocity evaluations per sample (a guided evaluation counts the guide pass too). */
  public int evaluationsPerSample() {
    return solver.evaluations(grid.length) * (guided ? 2 : 1);
  }

  /** The time grid, from 1 (noise) down towards 0 (data). */
  public float[] grid() {
    return grid.clone();
  }

  /**
   * The joint latents of samples {@code indices} with class {@code labels}.
   *
   * @param manager owns the result (and its device is where the sampling runs)
   * @param seed the run seed
   * @param indices global sample indices: sample i's noise is drawn from (seed, i)
   * @param labels class labels in [0, K)
   * @return (B, L, C) normalised joint latents (decode them with the autoencoder)
   */
  public NDArray sample(NDManager manager, long seed, long[] indices, int[] labels) {
    LatentLayout layout = model.layout();
    long[] seeds = new long[indices.length];
    long[] y = new long[labels.length];
    for (int k = 0; k < indices.length; k++) {
      seeds[k] = Seeds.derive(seed, Seeds.SAMPLE, indices[k]);
      if (labels[k] < 0 || labels[k] >= model.nullClass()) {
        throw new BadInputException("label " + labels[k] + " is outside [0, " + model.nullClass() + ")");
      }
      y[k] = labels[k];
    }
    NDArray x0 = SampleNoise.normal(manager, new Shape(layout.tokens(), layout.channels()), seeds); // (B, L, C)
    try (NoGrad ng = NoGrad.enter()) {
      return solver.integrate(velocity, x0, grid, manager.create(y)); // (B, L, C)
    }
  }
}
