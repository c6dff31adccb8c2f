package io.decq.train.recon;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import io.decq.core.config.LossConfig;
import io.decq.core.config.TrainConfig;
import io.decq.core.error.BadInputException;
import io.decq.core.io.HostTensor;
import io.decq.core.io.WeightFiles;
import io.decq.core.loss.AdaptiveWeight;
import io.decq.core.loss.DiffAug;
import io.decq.core.loss.DinoDiscriminator;
import io.decq.core.loss.GanLoss;
import io.decq.core.util.Seeds;
import io.decq.train.data.HostBatch;
import io.decq.train.loop.ExtraOptimizer;
import io.decq.train.loop.StepContext;
import io.decq.train.loop.StepLoss;
import io.decq.train.optim.Gradients;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * RAE's adversarial part of stage 1: the discriminator ({@link DinoDiscriminator}: frozen DINO backbone,
 * five trainable heads with spectral norm), its own optimizer step, and the GAN term of the decoder loss.
 *
 * <pre>
 *   D step (from loss.disc_start_epoch; an {@link ExtraOptimizer} named {@value #NAME}, after the decoder's step):
 *     fake   = quantize8bit(x_hat * 2 - 1)   the step's reconstructions, detached    (B, 3, S, S)
 *     real   = x * 2 - 1                                                             (B, 3, S, S)
 *     d_loss = hinge(D_train(DiffAug(real)), D_train(DiffAug(fake)))  fake pass first (it moves u/v first)
 *   decoder (from loss.gan_start_epoch):
 *     L_gan  = -mean D_eval(DiffAug(x_hat * 2 - 1))   (eval: no power iteration, not quantised)
 *     d      = clamp(||dL_rec/dW|| / (||dL_gan/dW|| + 1e-6), 0, max_adaptive_weight), W = decoder_pred.weight
 *     total  = L_rec + gan_weight * d * L_gan       (d a constant)
 * </pre>
 *
 * The two gradient norms come from two backward passes that keep the graph ({@link
 * AdaptiveWeight#backwardKeepingGraph}), each read from {@code W}'s gradient and then zeroed; the loop's
 * own backward of the total follows (three passes, as RAE's two {@code autograd.grad} calls and its
 * backward). DiffAug's draws come from the step's seeded generator. The spectral-norm vectors u/v are
 * the extra optimizer's state tensors (saved and restored with it).
 *
 * <p>Dimensions: B batch, S image side.
 */
final class ReconGan implements AutoCloseable {
  /** The extra optimizer's name: checkpoint files {@code d.safetensors}, metrics columns {@code d_*}. */
  static final String NAME = "d";
  /** {@link StepLoss#outputs()} keys the D step reads. */
  static final String RECONSTRUCTION = "reconstruction";
  static final String IMAGES = "images";
  /** Seed path of the fresh heads' initialisation (derived from train.seed). */
  private static final long DISC_INIT = 11;

  private final LossConfig config;
  private final DinoDiscriminator disc;

  private ReconGan(LossConfig config, DinoDiscriminator disc) {
    this.config = config;
    this.disc = disc;
  }

  /** The discriminator for {@code config} (gan_weight > 0, files already checked), heads from disc_heads or fresh. */
  static ReconGan create(LossConfig config, Device device, long seed) {
    Path backbone = Path.of(config.discBackbone());
    Map<String, HostTensor> state = WeightFiles.read(backbone);
    DinoDiscriminator d = DinoDiscriminator.create(architecture(state, config), state, backbone.toString(), device,
        Seeds.derive(seed, DISC_INIT));
    try {
      if (config.discHeads() != null) {
        d.loadStateDict(WeightFiles.read(Path.of(config.discHeads())), config.discHeads(), null);
      }
      return new ReconGan(config, d);
    } catch (RuntimeException e) {
      d.close();
      throw e;
    }
  }

  /**
   * The discriminator's sizes from its backbone's tensors: width and image size from {@code pos_embed}
   * (1 + N tokens of D), patch from {@code patch_embed.proj.weight}, depth from the {@code blocks.*}
   * count, MLP ratio from {@code fc1}; heads from the config; RAE's key depths, kernel and epsilon.
   */
  static DinoDiscriminator.Config architecture(Map<String, HostTensor> state, LossConfig config) {
    String file = "loss.disc_backbone " + config.discBackbone();
    for (String k : List.of("pos_embed", "patch_embed.proj.weight", "blocks.0.mlp.fc1.weight")) {
      if (!state.containsKey(k)) {
        throw new BadInputException(file + ": has no tensor '" + k + "'; expected a DINO ViT (timm / DINO keys)");
      }
    }
    long[] pos = state.get("pos_embed").shape(); // (1, 1 + N, D)
    int width = Math.toIntExact(pos[2]);
    int patch = Math.toIntExact(state.get("patch_embed.proj.weight").shape()[2]);
    int side = (int) Math.round(Math.sqrt(pos[1] - 1));
    TreeSet<Integer> blocks = new TreeSet<>();
    for (String k : state.keySet()) {
      if (k.startsWith("blocks.")) {
        blocks.add(Integer.parseInt(k.substring(7, k.indexOf('.', 7))));
      }
    }
    DinoDiscriminator.Config rae = DinoDiscriminator.Config.DINO_S_8;
    int depth = blocks.size();
    if (depth <= rae.keyDepths().get(rae.keyDepths().size() - 1)) {
      throw new BadInputException(file + ": has " + depth + " blocks; the discriminator taps blocks " + rae.keyDepths());
    }
    if (width % config.discBackboneHeads() != 0) {
      throw new BadInputException("loss.disc_backbone_heads: " + config.discBackboneHeads()
          + " does not divide the backbone width " + width);
    }
    double mlpRatio = (double) state.get("blocks.0.mlp.fc1.weight").shape()[0] / width;
    return new DinoDiscriminator.Config(depth, width, config.discBackboneHeads(), patch, side * patch, mlpRatio,
        rae.keyDepths(), rae.kernel(), rae.eps());
  }

  /**
   * The D step as the loop's extra optimizer: active from {@code disc_start_epoch}; its schedule (warm-up
   * {@code disc_warmup_epochs}, cosine to {@code disc_final_lr}) counts D's own steps, from its first to
   * {@code train.max_steps}.
   */
  ExtraOptimizer<HostBatch> extraOptimizer(TrainConfig train, long epochSize) {
    double stepsPerEpoch = (double) epochSize / train.batchSize();
    long first = (long) Math.ceil(config.discStartEpoch() * stepsPerEpoch - 1e-9) + 1;
    int steps = (int) Math.max(1, train.maxSteps() - first + 1);
    int warmup = (int) Math.min(steps, Math.round(config.discWarmupEpochs() * stepsPerEpoch));
    TrainConfig settings = new TrainConfig(steps, train.checkpointEvery(), train.logEvery(), train.batchSize(),
        train.seed(), config.discLr(), config.discBetas(), train.eps(), config.discWeightDecay(), List.of(), false,
        warmup, TrainConfig.Schedule.COSINE, Math.min(config.discFinalLr(), config.discLr()), 0, 0.0,
        train.emaDecay(), train.keepLast(), train.previewEvery(), train.previewEma());
    double start = config.discStartEpoch();
    return new ExtraOptimizer<>(NAME, disc.trainableParameters(), disc.fixedTensors(), settings, this::discLoss,
        ctx -> ctx.epoch() >= start);
  }

  /** Whether the GAN term is in the decoder loss at this step. */
  boolean generatorActive(StepContext ctx) {
    return ctx.epoch() >= config.ganStartEpoch();
  }

  /** D's hinge loss on the step's reconstructions (quantised, detached) and images; logs D's accuracies. */
  StepLoss discLoss(StepContext ctx, HostBatch batch) {
    NDArray reconstruction = ctx.outputs().get(RECONSTRUCTION); // (B, 3, S, S)
    NDArray images = ctx.outputs().get(IMAGES); // (B, 3, S, S)
    int b = Math.toIntExact(images.getShape().get(0));
    SplittableRandom rng = new SplittableRandom(ctx.random().nextLong());
    NDArray fake = DiffAug.RAE.apply(GanLoss.quantize8bit(reconstruction.mul(2f).sub(1f)),
        DiffAug.Draws.sample(rng, b)); // (B, 3, S, S)
    NDArray real = DiffAug.RAE.apply(images.mul(2f).sub(1f), DiffAug.Draws.sample(rng, b)); // (B, 3, S, S)
    NDArray logitsFake = disc.classify(fake, true); // (B, 5N)
    NDArray logitsReal = disc.classify(real, true); // (B, 5N)
    Map<String, NDArray> terms = new LinkedHashMap<>();
    terms.put("acc_real", logitsReal.gt(0f).toType(DataType.FLOAT32, false).mean());
    terms.put("acc_fake", logitsFake.lt(0f).toType(DataType.FLOAT32, false).mean());
    return new StepLoss(GanLoss.hingeD(logitsReal, logitsFake), terms);
  }

  /**
   * The decoder's loss with the GAN term: {@code rec.total + gan_weight * d * L_gan}, with terms {@code gan}
   * and {@code adaptive_weight} appended. Runs inside the loop's gradient collector; leaves every gradient
   * of {@code trainable} and of D's heads zero.
   *
   * @param lastLayer the decoder's last weight {@code W}
   */
  StepLoss withGenerator(StepLoss rec, NDArray reconstruction, StepContext ctx, Parameter lastLayer,
      Collection<Parameter> trainable) {
    int b = Math.toIntExact(reconstruction.getShape().get(0));
    SplittableRandom rng = new SplittableRandom(ctx.random().nextLong());
    NDArray fake = DiffAug.RAE.apply(reconstruction.mul(2f).sub(1f), DiffAug.Draws.sample(rng, b)); // (B, 3, S, S)
    NDArray gan = GanLoss.generator(disc.classify(fake, false)); // ()
    List<Parameter> all = new ArrayList<>(trainable);
    all.addAll(disc.trainableParameters().values());
    float ganNorm = lastGradNorm(gan, lastLayer, all);
    float recNorm = lastGradNorm(rec.total(), lastLayer, all);
    float d = AdaptiveWeight.of(recNorm, ganNorm, config.maxAdaptiveWeight());
    NDArray total = rec.total().add(gan.mul((float) (config.ganWeight() * d)));
    Map<String, NDArray> terms = new LinkedHashMap<>(rec.terms());
    terms.put("gan", gan);
    terms.put("adaptive_weight", ctx.manager().create(d));
    return new StepLoss(total, terms, rec.outputs());
  }

  /** ||d loss / d W|| from a backward that keeps the graph; every gradient of {@code all} zeroed after. */
  private static float lastGradNorm(NDArray loss, Parameter lastLayer, Collection<Parameter> all) {
    AdaptiveWeight.backwardKeepingGraph(loss);
    float norm;
    try (NDArray g = lastLayer.getArray().getGradient()) {
      norm = AdaptiveWeight.frobenius(g);
    }
    Gradients.zero(all);
    return norm;
  }

  /** The discriminator, for checks. */
  DinoDiscriminator discriminator() {
    return disc;
  }

  /** The heads' state dict (weights and u/v), for checks. */
  Map<String, HostTensor> headsState() {
    return disc.stateDict();
  }

  /** The frozen backbone's weights, for checks. */
  Map<String, HostTensor> backboneState() {
    return disc.backboneStateDict();
  }

  @Override
  public void close() {
    disc.close();
  }
}
