package io.decq.core.dit;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.decq.core.config.CheckpointWeights;
import io.decq.core.config.DecqConfig;
import io.decq.core.error.BadInputException;
import io.decq.core.io.HostTensor;
import io.decq.core.latent.LatentLayout;
import io.decq.core.run.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A trained stage-2 denoiser restored from a checkpoint of {@code decq train diffusion}: the DiT-DH with its
 * EMA or raw weights, the run's config, and the latent statistics its latents are normalised with.
 *
 * <p>The latent layout (queries Q, grid g, channels C) and the class count are read from the weights
 * themselves ({@code query_pos_embed}, {@code pos_embed}, {@code s_embedder.proj.weight}, {@code
 * y_embedder.embedding_table.weight}), the sizes from the run's {@code dit.preset}; the weights load
 * strictly. The statistics ({@value #LATENT_STATS} in the run directory, written once before the first
 * step) are what a sampler must decode with: load them into the stage-1 autoencoder.
 */
public final class TrainedDenoiser implements AutoCloseable {
  /** The latent statistics file of a stage-2 run directory (the {@code decq stats} layout). */
  public static final String LATENT_STATS = "latent_stats.safetensors";
  private static final Logger LOG = LoggerFactory.getLogger(TrainedDenoiser.class);

  private final Checkpoint checkpoint;
  private final NDManager manager;
  private final DitDH model;

  private TrainedDenoiser(Checkpoint checkpoint, NDManager manager, DitDH model) {
    this.checkpoint = checkpoint;
    this.manager = manager;
    this.model = model;
  }

  /**
   * Loads a stage-2 checkpoint.
   *
   * @param path a run directory (its latest checkpoint) or one {@code checkpoints/step-NNNNNNN} folder
   * @param what how the user knows the path (an option such as {@code --dit}), for messages
   * @throws BadInputException when the path holds no stage-2 checkpoint or its weights do not fit its config
   */
  public static TrainedDenoiser load(Path path, String what, CheckpointWeights weights, Device device) {
    Checkpoint c = Checkpoint.resolve(path, what);
    DecqConfig config = c.config();
    Map<String, HostTensor> state = weights == CheckpointWeights.EMA ? c.ema() : c.model();
    String file = c.dir().resolve(weights == CheckpointWeights.EMA ? Checkpoint.EMA : Checkpoint.MODEL).toString();
    LatentLayout layout = layoutOf(state, what + " " + path + ": " + file);
    int classes = (int) state.get("y_embedder.embedding_table.weight").shape()[0] - 1;
    NDManager manager = NDManager.newBaseManager(device);
    try {
      DitDH model = DitDH.of(config.dit().preset(), layout, classes);
      model.materialize(manager, 0);
      model.loadStateDict(state, file, null);
      LOG.info(String.format(Locale.ROOT, "denoiser from %s (step %d, %s weights): %s, latent %d queries + %dx%d patches x %d"
              + " channels, %d classes, %d parameters", c.dir(), c.step(), weights.name().toLowerCase(Locale.ROOT),
          config.dit().preset().name().toLowerCase(Locale.ROOT).replace('_', '-'), layout.queries(), layout.grid(),
          layout.grid(), layout.channels(), classes, model.parameterCount()));
      return new TrainedDenoiser(c, manager, model);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** The joint-latent layout a DiT-DH state dict was trained on. */
  public static LatentLayout layoutOf(Map<String, HostTensor> state, String source) {
    HostTensor pos = state.get("pos_embed");
    HostTensor embed = state.get("s_embedder.proj.weight");
    HostTensor labels = state.get("y_embedder.embedding_table.weight");
    if (pos == null || embed == null || labels == null || pos.shape().length != 3 || embed.shape().length != 4) {
      throw new BadInputException(source + ": not a DiT-DH state dict (pos_embed, s_embedder.proj.weight or"
          + " y_embedder.embedding_table.weight missing or misshapen)");
    }
    int tokens = (int) pos.shape()[1];
    int grid = (int) Math.round(Math.sqrt(tokens));
    if (grid * grid != tokens) {
      throw new BadInputException(source + ": pos_embed covers " + tokens + " patch tokens, not a square grid");
    }
    HostTensor q = state.get("query_pos_embed");
    return new LatentLayout(q == null ? 0 : (int) q.shape()[1], grid, (int) embed.shape()[1]);
  }

  /** The denoiser. */
  public DitDH model() {
    return model;
  }

  /** The run's resolved config (dit, flow, ae, train, data). */
  public DecqConfig config() {
    return checkpoint.config();
  }

  /** The checkpoint the weights came from. */
  public Checkpoint checkpoint() {
    return checkpoint;
  }

  /**
   * The latent statistics of the run (decode its samples with the autoencoder after loading these into
   * it).
   *
   * @throws BadInputException when the run directory lacks them
   */
  public Path latentStats() {
    Path p = checkpoint.runDir().resolve(LATENT_STATS);
    if (!Files.isRegularFile(p)) {
      throw new BadInputException(checkpoint.runDir() + ": " + LATENT_STATS + " is missing (written by decq train diffusion"
          + " before its first step)");
    }
    return p;
  }

  @Override
  public void close() {
    manager.close();
  }
}
