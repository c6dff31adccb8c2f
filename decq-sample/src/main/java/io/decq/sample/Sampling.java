package io.decq.sample;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import io.decq.core.config.CheckpointWeights;
import io.decq.core.config.FlowConfig;
import io.decq.core.dit.DitSampler;
import io.decq.core.dit.TrainedDenoiser;
import io.decq.core.error.BadInputException;
import io.decq.core.io.AtomicFiles;
import io.decq.core.latent.LatentLayout;
import io.decq.core.rae.DecqAutoencoder;
import io.decq.core.rae.TrainedAutoencoder;
import io.decq.core.run.Checkpoint;
import io.decq.core.util.Hashes;
import io.decq.core.util.Provenance;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code decq sample} as a library call: loads a stage-2 run (and its stage-1 autoencoder, and an optional
 * AutoGuidance run), checks that they fit together, and draws a {@link SamplePlan} into a {@link
 * SampleStore} through {@link DitSampler}. The run's flow config gives the solver, grid and guidance
 * defaults; the request overrides them.
 */
public final class Sampling {
  private Sampling() {}

  /**
   * What to sample.
   *
   * @param dit the stage-2 run directory or checkpoint
   * @param ae the stage-1 run or checkpoint (null: the stage-2 run's ae.checkpoint)
   * @param encoder the frozen encoder's path when it moved (null: the stage-1 run's encoder.path)
   * @param weights the denoisers' weights (EMA by default)
   * @param num N, samples in the whole run
   * @param labels {@code equal} | {@code random} | null
   * @param classes explicit classes {@code 0,5,...} | null
   * @param sampler the ODE solver (null: the run's flow.sampler)
   * @param steps grid points (null: the run's flow.steps)
   * @param cfgScale classifier-free guidance scale (null: the run's flow.cfg_scale)
   * @param cfgInterval [t_min, t_max] of the guidance (null: the run's flow.cfg_interval)
   * @param guide an AutoGuidance stage-2 run (null: classifier-free guidance)
   * @param guideScale the AutoGuidance scale
   * @param seed sample i's noise depends on (seed, i) only
   * @param batch B, samples per batch (a shard takes whole batches)
   * @param shard which batches this job draws
   * @param dropQueries decode from the patch tokens alone
   * @param out the output folder
   */
  public record Request(Path dit, Path ae, String encoder, CheckpointWeights weights, long num, String labels,
      String classes, FlowConfig.Sampler sampler, Integer steps, Double cfgScale, List<Double> cfgInterval, Path guide,
      double guideScale, long seed, int batch, ShardSpec shard, boolean dropQueries, Path out) {}

  /**
   * What a call did.
   *
   * @param out the output folder
   * @param job the drawing (0 samples when the folder was already complete)
   * @param evaluationsPerSample velocity evaluations per sample
   * @param plan the plan drawn
   */
  public record Result(Path out, SamplingJob.Result job, int evaluationsPerSample, SamplePlan plan) {}

  /**
   * Samples as {@code r} says.
   *
   * @throws BadInputException for bad arguments or runs that do not fit together, before anything is drawn
   */
  public static Result run(Request r, Device device) {
    SamplePlan plan = new SamplePlan(r.num(), r.batch(), r.shard());
    if (r.guide() != null && r.cfgScale() != null && r.cfgScale() != 1.0) {
      throw new BadInputException("--guide and --cfg-scale: use AutoGuidance (--guide RUN --guide-scale W) or"
          + " classifier-free guidance (--cfg-scale W), not both");
    }
    try (TrainedDenoiser dit = TrainedDenoiser.load(r.dit(), "--dit", r.weights(), device)) {
      Path aePath = r.ae() != null ? r.ae() : stage1Of(dit);
      Checkpoint aeCheckpoint = Checkpoint.resolve(aePath, "--ae");
      try (TrainedAutoencoder ae = TrainedAutoencoder.load(aeCheckpoint, dit.config().ae().weights(), r.encoder(), device);
          TrainedDenoiser guide = r.guide() == null ? null : TrainedDenoiser.load(r.guide(), "--guide", r.weights(), device)) {
        DecqAutoencoder a = ae.autoencoder();
        LatentLayout aeLayout = new LatentLayout(a.queryCount(), (int) Math.round(Math.sqrt(a.patchTokens())), a.width());
        if (!aeLayout.equals(dit.model().layout())) {
          throw new BadInputException("--dit " + r.dit() + ": its denoiser generates " + describe(dit.model().layout())
              + ", but the autoencoder of --ae " + aePath + " has " + describe(aeLayout));
        }
        if (guide != null && !guide.model().layout().equals(dit.model().layout())) {
          throw new BadInputException("--guide " + r.guide() + ": generates " + describe(guide.model().layout())
              + ", but --dit generates " + describe(dit.model().layout()));
        }
        if (r.dropQueries() && (a.queryCount() == 0 || ae.config().decoder().queryDropout() == 0)) {
          throw new BadInputException("--drop-queries: the decoder of --ae " + aePath + " was trained "
              + (a.queryCount() == 0 ? "without queries" : "without query dropout (decoder.query_dropout = 0)")
              + "; it cannot be evaluated without its queries");
        }
        a.latentNorm().load(dit.latentStats());
        LabelPlan labels = LabelPlan.parse(r.labels(), r.classes(), dit.model().nullClass(), r.seed());
        FlowConfig run = dit.config().flow();
        FlowConfig flow = new FlowConfig(run.timeDist(), run.shift(), run.lambdaQ(),
            r.sampler() != null ? r.sampler() : run.sampler(), r.steps() != null ? r.steps() : run.steps(),
            r.cfgScale() != null ? r.cfgScale() : run.cfgScale(), r.cfgInterval() != null ? r.cfgInterval() : run.cfgInterval());
        DitSampler.Guide g = guide != null
            ? new DitSampler.Guide(guide.model(), r.guideScale(), flow.cfgInterval().get(0), flow.cfgInterval().get(1))
            : DitSampler.Guide.of(flow);
        DitSampler sampler = new DitSampler(dit.model(), flow, g);

        Map<String, String> inputs = new LinkedHashMap<>();
        inputs.put("dit", weightsFile(dit.checkpoint(), r.weights()).toString());
        inputs.put("dit_sha256", Hashes.sha256(weightsFile(dit.checkpoint(), r.weights())));
        inputs.put("ae", weightsFile(aeCheckpoint, dit.config().ae().weights()).toString());
        inputs.put("ae_sha256", Hashes.sha256(weightsFile(aeCheckpoint, dit.config().ae().weights())));
        inputs.put("latent_stats_sha256", Hashes.sha256(dit.latentStats()));
        if (guide != null) {
          inputs.put("guide", weightsFile(guide.checkpoint(), r.weights()).toString());
          inputs.put("guide_sha256", Hashes.sha256(weightsFile(guide.checkpoint(), r.weights())));
        }
        inputs.put("weights", r.weights().name().toLowerCase(Locale.ROOT));
        inputs.put("seed", Long.toString(r.seed()));
        inputs.put("sampler", flow.sampler().name().toLowerCase(Locale.ROOT));
        inputs.put("steps", Integer.toString(flow.steps()));
        inputs.put("guidance", guide != null ? "autoguidance" : flow.cfgScale() == 1.0 ? "none" : "classifier-free");
        inputs.put("guidance_scale", Double.toString(guide != null ? r.guideScale() : flow.cfgScale()));
        inputs.put("guidance_interval", flow.cfgInterval().toString());
        inputs.put("labels", labels.describe());
        inputs.put("num", Long.toString(r.num()));
        inputs.put("batch", Integer.toString(r.batch()));
        inputs.put("drop_queries", Boolean.toString(r.dropQueries()));
        StringBuilder fingerprint = new StringBuilder();
        inputs.forEach((k, v) -> {
          if (!k.equals("dit") && !k.equals("ae") && !k.equals("guide")) {
            fingerprint.append(k).append('=').append(v).append(';');
          }
        });
        int classes = dit.model().nullClass();
        int columns = r.classes() == null && !"random".equals(r.labels()) && classes <= 16 ? classes : 8;
        SampleStore store = SampleStore.open(r.out(), fingerprint.toString(), plan, columns);
        JsonObject provenance = Provenance.of("sample", inputs);
        provenance.addProperty("shard", r.shard().toString());
        provenance.addProperty("samples", plan.start() + ".." + plan.end());
        AtomicFiles.writeString(r.out().resolve(SampleStore.PROVENANCE),
            new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(provenance));

        boolean drop = r.dropQueries();
        BatchGenerator generator = (m, indices, y) ->
            ae.decode(sampler.sample(m, r.seed(), indices, y), drop).clip(0f, 1f); // (B, 3, S, S)
        try (NDManager manager = NDManager.newBaseManager(device)) {
          SamplingJob.Result job = SamplingJob.run(plan, labels, generator, store, manager, sampler.evaluationsPerSample());
          return new Result(r.out(), job, sampler.evaluationsPerSample(), plan);
        }
      }
    }
  }

  private static Path stage1Of(TrainedDenoiser dit) {
    String p = dit.config().ae().checkpoint();
    if (p == null) {
      throw new BadInputException("--ae: not given, and the stage-2 run records no ae.checkpoint");
    }
    return Path.of(p);
  }

  private static Path weightsFile(Checkpoint c, CheckpointWeights w) {
    return c.dir().resolve(w == CheckpointWeights.EMA ? Checkpoint.EMA : Checkpoint.MODEL);
  }

  private static String describe(LatentLayout l) {
    return l.queries() + " queries + " + l.grid() + "x" + l.grid() + " patches x " + l.channels() + " channels";
  }
}
