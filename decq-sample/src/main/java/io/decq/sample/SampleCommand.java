package io.decq.sample;

import com.google.gson.GsonBuilder;
import io.decq.core.cli.CommonOptions;
import io.decq.core.cli.Subcommand;
import io.decq.core.cli.WeightChoice;
import io.decq.core.config.FlowConfig;
import io.decq.core.error.BadInputException;
import io.decq.core.io.AtomicFiles;
import io.decq.core.util.Provenance;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code decq sample}: draw class-conditional samples from a stage-2 run ({@link Sampling}); {@code decq sample
 * merge} joins the folders of a sharded run ({@link SampleStore#merge}).
 */
@Command(
    name = "sample",
    mixinStandardHelpOptions = true,
    description = {
      "Sample images from a stage-2 run: per-sample noise from (seed, index), an ODE solver from t = 1 to the data,"
          + " optional guidance, decoded by the stage-1 autoencoder. Writes DIR/samples/NNNNNNN_cLLLL.png, DIR/grid.png,"
          + " DIR/samples.npz (ADM layout: arr_0 uint8 NHWC, arr_1 labels) and DIR/provenance.json. An interrupted run"
          + " continues when the same command is given again.",
      "Example: decq sample --dit runs/quickstart-dit --num 70 --out runs/quickstart-samples",
      "Generation metrics of the result: decq eval gen --inception W --samples DIR/samples.npz --ref REF --html"
          + " DIR/eval.html"},
    subcommands = {SampleCommand.Merge.class})
public final class SampleCommand implements Subcommand, Callable<Integer> {
  // --dit, --num and --out are checked in call(), not by picocli: a parent's required options would be required
  // by `decq sample merge` too.
  @Option(names = "--dit", paramLabel = "RUN",
      description = "Required. The stage-2 run (decq train diffusion): its run directory or one checkpoints/step-NNNNNNN folder.")
  Path dit;

  @Option(names = "--ae", paramLabel = "RUN",
      description = "The stage-1 run that decodes the latents (default: the stage-2 run's ae.checkpoint).")
  Path ae;

  @Option(names = "--encoder", paramLabel = "PATH",
      description = "The frozen encoder, when it is no longer at the encoder.path the stage-1 run recorded.")
  String encoder;

  @Option(names = "--num", paramLabel = "N", description = "Required. Samples in the whole run.")
  Long num;

  @Option(names = "--labels", paramLabel = "equal|random",
      description = "Class labels: equal (sample i has class i mod K, the ADM protocol; the default) or random (seeded).")
  String labels;

  @Option(names = "--classes", paramLabel = "0,5,...", description = "Explicit classes, cycled over the samples.")
  String classes;

  @Option(names = "--sampler", paramLabel = "euler|heun", description = "ODE solver (default: the run's flow.sampler).")
  String sampler;

  @Option(names = "--steps", paramLabel = "N", description = "Time-grid points (default: the run's flow.steps, RAE: 50).")
  Integer steps;

  @Option(names = "--cfg-scale", paramLabel = "W",
      description = "Classifier-free guidance scale (default: the run's flow.cfg_scale; 1 = none).")
  Double cfgScale;

  @Option(names = "--cfg-interval", paramLabel = "T0,T1",
      description = "Guidance applies where T0 <= t <= T1 (default: the run's flow.cfg_interval).")
  String cfgInterval;

  @Option(names = "--guide", paramLabel = "RUN", description = "AutoGuidance: a second (smaller) stage-2 run as the guide.")
  Path guide;

  @Option(names = "--guide-scale", paramLabel = "W", defaultValue = "1.5",
      description = "AutoGuidance scale (default 1.5; RAE: 1.42 at 256 px with DiT-DH-S).")
  double guideScale;

  @Option(names = "--batch", paramLabel = "B", defaultValue = "16",
      description = "Samples per batch (default 16). Shards take whole batches: keep it equal across shards.")
  int batch;

  @Option(names = "--shard", paramLabel = "I/N", defaultValue = "0/1",
      description = "Draw shard I of N (e.g. ${SLURM_ARRAY_TASK_ID}/${SLURM_ARRAY_TASK_COUNT}); merge the folders after.")
  String shard;

  @Option(names = "--drop-queries", description = "Decode without the query tokens (needs a decoder trained with query dropout).")
  boolean dropQueries;

  @Option(names = "--out", paramLabel = "DIR", description = "Required. The output folder (new, empty, or this run's).")
  Path out;

  @ArgGroup(exclusive = true)
  WeightChoice weights;

  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    if (dit == null || num == null || out == null) {
      throw new BadInputException("decq sample: --dit RUN, --num N and --out DIR are required (see decq sample --help)");
    }
    Sampling.Request r = new Sampling.Request(dit, ae, encoder, WeightChoice.of(weights), num, labels, classes,
        sampler == null ? null : solver(sampler), steps, cfgScale, cfgInterval == null ? null : interval(cfgInterval),
        guide, guideScale, common.seed == null ? 0 : common.seed, batch, ShardSpec.parse(shard), dropQueries, out);
    Sampling.Result res = Sampling.run(r, common.device());
    PrintWriter w = spec.commandLine().getOut();
    w.printf(Locale.ROOT, "samples %d..%d of %d in %s: %d drawn now in %.1f s (%.2f samples/s, %d NFE per sample)%n",
        res.plan().start(), res.plan().end(), res.plan().num(), res.out(), res.job().drawn(), res.job().seconds(),
        res.job().samplesPerSecond(), res.evaluationsPerSample());
    w.println("images: " + res.out().resolve(SampleStore.SAMPLES) + "   grid: " + res.out().resolve(SampleStore.GRID)
        + "   npz: " + res.out().resolve(SampleStore.NPZ));
    w.flush();
    return 0;
  }

  private static FlowConfig.Sampler solver(String s) {
    try {
      return FlowConfig.Sampler.valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new BadInputException("--sampler " + s + ": expected euler or heun");
    }
  }

  private static List<Double> interval(String s) {
    String[] p = s.split(",");
    try {
      if (p.length == 2) {
        double lo = Double.parseDouble(p[0].trim());
        double hi = Double.parseDouble(p[1].trim());
        if (lo >= 0 && lo <= hi && hi <= 1) {
          return List.of(lo, hi);
        }
      }
    } catch (NumberFormatException e) {
      // falls through to the message below
    }
    throw new BadInputException("--cfg-interval " + s + ": expected T0,T1 with 0 <= T0 <= T1 <= 1, e.g. 0,1");
  }

  /** {@code decq sample merge SHARD_DIR... --out DIR}. */
  @Command(name = "merge", mixinStandardHelpOptions = true,
      description = "Join the folders of a sharded sampling run (all shards finished) into one folder, byte for byte what"
          + " the unsharded run with the same --batch writes.")
  static final class Merge implements Callable<Integer> {
    @picocli.CommandLine.Parameters(arity = "1..*", paramLabel = "SHARD_DIR", description = "The shards' output folders.")
    List<Path> shards = new ArrayList<>();

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The merged folder (new or empty).")
    Path out;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      SampleStore.merge(shards, out);
      Map<String, String> inputs = new LinkedHashMap<>();
      for (int i = 0; i < shards.size(); i++) {
        inputs.put("shard_" + i, shards.get(i).toAbsolutePath().normalize().toString());
      }
      AtomicFiles.writeString(out.resolve(SampleStore.PROVENANCE),
          new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(Provenance.of("sample merge", inputs)));
      PrintWriter w = spec.commandLine().getOut();
      w.println("merged " + shards.size() + " shards into " + out);
      w.flush();
      return 0;
    }
  }
}
