package io.decq.core.rae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.decq.core.config.DecoderConfig;
import io.decq.core.config.DecqConfig;
import io.decq.core.config.EncoderConfig.Family;
import io.decq.core.config.QueriesConfig;
import io.decq.core.config.TransformerSize;
import io.decq.core.encoder.EncoderOutput;
import io.decq.core.encoder.FrozenEncoder;
import io.decq.core.error.BadInputException;
import io.decq.core.nn.DecqBlock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The DecQ autoencoder around a frozen encoder: detail-condensing queries ({@link QueryCondensers}), the
 * latent normalisation ({@link LatentNorm}) and the ViT pixel decoder ({@link ViTDecoder}). With 0
 * queries it is RAE.
 *
 * <p>Joint latent: one (B, Q + T, C) array, query tokens first, then the patch tokens in row-major
 * grid order, each normalised with its own statistics. {@link #encodeFeatures} makes it, {@link
 * #decode} turns it into pixels (B, 3, H, W) in [0, 1] pixel space (un-clamped: the decoder predicts
 * encoder-normalised pixels, mapped back with the encoder's mean/std as RAE does).
 *
 * <p>State-dict names: {@code queries.query_tokens}, {@code queries.condensers.{k}.*}, {@code decoder.*}
 * (RAE's GeneralDecoder keys, plus {@code query_embed}, {@code query_pos_embed}), {@code latent_norm.*}
 * (non-trainable statistics). The encoder is not part of this block: {@link #trainableParameters()} is
 * exactly queries + condensers + decoder.
 *
 * <p>Dimensions: B batch, Q queries, T patch tokens, P prefix tokens, C encoder width, H = W output
 * image side.
 */
public final class DecqAutoencoder extends DecqBlock {
  /**
   * What the autoencoder needs to know about its frozen encoder.
   *
   * @param width C
   * @param depth number of encoder blocks (hidden-state indices 0..depth exist)
   * @param prefixTokens P, CLS/register tokens leading each hidden state
   * @param patchTokens T
   * @param imageMean per-channel mean of the encoder's input normalisation (RGB)
   * @param imageStd per-channel std of the encoder's input normalisation (RGB)
   */
  public record EncoderInfo(int width, int depth, int prefixTokens, int patchTokens, float[] imageMean, float[] imageStd) {
    public EncoderInfo {
      if (imageMean.length != 3 || imageStd.length != 3) {
        throw new IllegalArgumentException("image mean/std need 3 channels");
      }
      imageMean = imageMean.clone();
      imageStd = imageStd.clone();
    }

    /** ImageNet mean (DINOv2's processor). */
    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    /** ImageNet std (DINOv2's processor). */
    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};
    /** SigLIP's processor mean and std. */
    public static final float[] HALF = {0.5f, 0.5f, 0.5f};

    /** The geometry of a loaded encoder; mean/std are those its preprocessing normalises with (by family). */
    public static EncoderInfo of(FrozenEncoder encoder) {
      boolean imagenet = encoder.family() == Family.DINOV2_REG;
      return new EncoderInfo(encoder.width(), encoder.depth(), encoder.prefixTokens(), encoder.patchTokens(),
          imagenet ? IMAGENET_MEAN : HALF, imagenet ? IMAGENET_STD : HALF);
    }
  }

  private final EncoderInfo encoderInfo;
  private final FrozenEncoder frozen;
  private final DecoderConfig decoderConfig;
  private final int queryCount;
  private final QueryCondensers queries;
  private final LatentNorm latentNorm;
  private final ViTDecoder decoder;

  /**
   * The autoencoder around {@code encoder} (not owned: the caller closes it), decoder size of {@code
   * decoder.preset()}. Image-level methods ({@link #encode}, {@link #reconstructTraining(NDArray)}, ...)
   * need this form.
   *
   * @throws BadInputException when the config does not fit the encoder
   */
  public DecqAutoencoder(FrozenEncoder encoder, QueriesConfig queries, DecoderConfig decoder) {
    this(EncoderInfo.of(encoder), queries, decoder, decoder.preset().size(), encoder);
  }

  /** A model without an encoder (decoding, feature-level use), decoder size of {@code decoder.preset()}. */
  public DecqAutoencoder(EncoderInfo encoder, QueriesConfig queries, DecoderConfig decoder) {
    this(encoder, queries, decoder, decoder.preset().size(), null);
  }

  /**
   * Builds the model with an explicit decoder size (a reference checkpoint's, for example).
   *
   * @throws BadInputException when the config does not fit the encoder (a tap beyond its depth,
   *     condenser heads that do not divide its width)
   */
  public DecqAutoencoder(EncoderInfo encoder, QueriesConfig queries, DecoderConfig decoder, TransformerSize size) {
    this(encoder, queries, decoder, size, null);
  }

  private DecqAutoencoder(EncoderInfo encoder, QueriesConfig queries, DecoderConfig decoder, TransformerSize size,
      FrozenEncoder frozen) {
    checkFits(encoder, queries);
    this.encoderInfo = encoder;
    this.frozen = frozen;
    this.decoderConfig = decoder;
    this.queryCount = queries.count();
    if (queryCount > 0) {
      long hidden = Math.max(1, Math.round(queries.mlpRatio() * encoder.width()));
      this.queries = child("queries", new QueryCondensers(queryCount, encoder.width(), queries.taps(),
          queries.includePrefixTokens(), queries.heads(), hidden));
    } else {
      this.queries = null;
    }
    this.decoder = child("decoder", new ViTDecoder(size, encoder.width(), encoder.patchTokens(), decoder.patchSize(),
        queryCount, ViTDecoder.LAYER_NORM_EPS));
    this.latentNorm = child("latent_norm", new LatentNorm(encoder.patchTokens(), queryCount, encoder.width()));
  }

  /**
   * The model of {@code config}'s {@code queries:} and {@code decoder:} sections around {@code encoder},
   * materialised in {@code manager} with initial values drawn from {@code seed}, with the statistics of
   * {@code decoder.latent_stats} loaded when it is set.
   */
  public static DecqAutoencoder create(FrozenEncoder encoder, DecqConfig config, NDManager manager, long seed) {
    DecqAutoencoder model = new DecqAutoencoder(encoder, config.queries(), config.decoder());
    model.materialize(manager, seed);
    if (config.decoder().latentStats() != null) {
      model.latentNorm().load(Path.of(config.decoder().latentStats()));
    }
    return model;
  }

  /** Checks the parts of the config that depend on the encoder, naming the key. */
  public static void checkFits(EncoderInfo encoder, QueriesConfig queries) {
    if (queries.count() == 0) {
      return;
    }
    for (int tap : queries.taps()) {
      if (tap > encoder.depth()) {
        throw new BadInputException("queries.taps: tap " + tap + " is beyond the encoder's depth (hidden-state indices 0.."
            + encoder.depth() + ")");
      }
    }
    if (encoder.width() % queries.heads() != 0) {
      throw new BadInputException("queries.heads: " + queries.heads() + " heads do not divide the encoder width "
          + encoder.width());
    }
  }

  /** Q, query tokens per image (0 for the RAE baseline). */
  public int queryCount() {
    return queryCount;
  }

  /** T, patch tokens per image. */
  public int patchTokens() {
    return encoderInfo.patchTokens();
  }

  /** Q + T, tokens of the joint latent. */
  public int latentTokens() {
    return queryCount + encoderInfo.patchTokens();
  }

  /** C, the latent width. */
  public int width() {
    return encoderInfo.width();
  }

  /** Side of the decoded images in pixels. */
  public int imageSize() {
    return decoder.imageSize();
  }

  /** The encoder hidden states the condensers read (empty without queries). */
  public Set<Integer> taps() {
    return queries == null ? Set.of() : new LinkedHashSet<>(queries.taps());
  }

  /** What this model assumes about its encoder. */
  public EncoderInfo encoderInfo() {
    return encoderInfo;
  }

  /** The frozen encoder this model was built around. */
  public FrozenEncoder encoder() {
    if (frozen == null) {
      throw new IllegalStateException("this autoencoder was built without an encoder (EncoderInfo form)");
    }
    return frozen;
  }

  /** The latent statistics (load a {@code decq stats} file with {@link LatentNorm#load}). */
  public LatentNorm latentNorm() {
    return latentNorm;
  }

  /** The pixel decoder. */
  public ViTDecoder decoder() {
    return decoder;
  }

  /**
   * The clean, un-normalised joint latent of an encoder output.
   *
   * @param patchLatent (B, T, C) encoder patch latent (after its final LayerNorm without affine)
   * @param hiddenStates encoder hidden states by index, each (B, P + T, C), holding every tap
   * @return (B, Q + T, C); gradients reach the queries and condensers, never the encoder's arrays
   */
  public NDArray rawLatent(NDArray patchLatent, Map<Integer, NDArray> hiddenStates) {
    NDArray patches = patchLatent.stopGradient(); // (B, T, C)
    if (queries == null) {
      return patches;
    }
    NDArray q = queries.forward(hiddenStates, encoderInfo.prefixTokens()); // (B, Q, C)
    return NDArrays.concat(new NDList(q, patches), 1); // (B, Q + T, C)
  }

  /**
   * The clean, un-normalised joint latent of images (for statistics).
   *
   * @param images (B, 3, S, S) uint8, or float32 in [0, 1], on the encoder's device
   * @return (B, Q + T, C), owned by {@code images}' manager
   */
  public NDArray rawLatent(NDArray images) {
    EncoderOutput out = encoder().encode(images, taps());
    return rawLatent(out.latent(), out.hiddenStates());
  }

  /** Images (B, 3, S, S) -> normalised joint latent (B, Q + T, C): what stage 2 learns to generate. */
  public NDArray encode(NDArray images) {
    return normalize(rawLatent(images));
  }

  /** Images -> reconstructions (B, 3, H, W) in pixel space, without noise or dropout. */
  public NDArray reconstruct(NDArray images) {
    return decode(encode(images));
  }

  /**
   * The stage-1 training forward from images (see {@link #reconstructTraining(NDArray, Map)}).
   *
   * @param images (B, 3, S, S) uint8, or float32 in [0, 1], on the encoder's device
   * @return (B, 3, H, W) reconstruction in pixel space
   */
  public NDArray reconstructTraining(NDArray images) {
    EncoderOutput out = encoder().encode(images, taps());
    return reconstructTraining(out.latent(), out.hiddenStates());
  }

  /** The normalised joint latent of an encoder output: (B, Q + T, C). */
  public NDArray encodeFeatures(NDArray patchLatent, Map<Integer, NDArray> hiddenStates) {
    return normalize(rawLatent(patchLatent, hiddenStates));
  }

  /** Raw -> normalised joint latent, (B, Q + T, C). */
  public NDArray normalize(NDArray raw) {
    NDArray patches = latentNorm.normalizePatches(patchesOf(raw)); // (B, T, C)
    if (queryCount == 0) {
      return patches;
    }
    return NDArrays.concat(new NDList(latentNorm.normalizeQueries(queriesOf(raw)), patches), 1);
  }

  /** Normalised -> raw joint latent, (B, Q + T, C). */
  public NDArray denormalize(NDArray joint) {
    NDArray patches = latentNorm.denormalizePatches(patchesOf(joint)); // (B, T, C)
    if (queryCount == 0) {
      return patches;
    }
    return NDArrays.concat(new NDList(latentNorm.denormalizeQueries(queriesOf(joint)), patches), 1);
  }

  /** The query tokens of a joint latent: (B, Q + T, C) -> (B, Q, C). */
  public NDArray queriesOf(NDArray joint) {
    checkJoint(joint);
    return joint.get(":, :" + queryCount + ", :");
  }

  /** The patch tokens of a joint latent: (B, Q + T, C) -> (B, T, C). */
  public NDArray patchesOf(NDArray joint) {
    checkJoint(joint);
    return queryCount == 0 ? joint : joint.get(":, " + queryCount + ":, :");
  }

  private void checkJoint(NDArray joint) {
    Shape s = joint.getShape();
    if (s.dimension() != 3 || s.get(1) != latentTokens() || s.get(2) != encoderInfo.width()) {
      throw new IllegalArgumentException("expected a joint latent (B, " + latentTokens() + ", " + encoderInfo.width() + "), got " + s);
    }
  }

  /** Normalised joint latent (B, Q + T, C) -> images (B, 3, H, W) in pixel space. */
  public NDArray decode(NDArray joint) {
    return decode(joint, false);
  }

  /**
   * Normalised joint latent -> images.
   *
   * @param joint (B, Q + T, C)
   * @param dropQueries decode from the patch tokens alone (the ablation of a decoder trained with
   *     query dropout)
   * @return (B, 3, H, W), pixel space
   */
  public NDArray decode(NDArray joint, boolean dropQueries) {
    NDArray raw = denormalize(joint); // (B, Q + T, C)
    NDArray q = queryCount == 0 || dropQueries ? null : queriesOf(raw);
    return pixels(decoder.logits(patchesOf(raw), q));
  }

  /**
   * The stage-1 training forward from an encoder output: clean raw latent -> running query statistics
   * update -> noise augmentation (one sigma per image, {@code decoder.noise_tau}/{@code noise_mode}) ->
   * normalise -> decode, hiding each image's queries from the decoder with probability {@code
   * decoder.query_dropout}. Random numbers come from the engine's generator.
   *
   * @return (B, 3, H, W) reconstruction in pixel space, differentiable w.r.t. {@link #trainableParameters()}
   */
  public NDArray reconstructTraining(NDArray patchLatent, Map<Integer, NDArray> hiddenStates) {
    NDArray raw = rawLatent(patchLatent, hiddenStates); // (B, Q + T, C)
    if (queryCount > 0) {
      latentNorm.updateQueryEstimate(queriesOf(raw));
    }
    NDArray noisy = NoiseAugmentation.apply(raw, decoderConfig.noiseTau(), decoderConfig.noiseMode());
    NDArray joint = normalize(noisy); // (B, Q + T, C)
    return decodeWithQueryDropout(joint, drawKeep(joint.getManager(), joint.getShape().get(0)));
  }

  /** Which images keep their queries this step (all when there are none or dropout is 0). */
  private boolean[] drawKeep(NDManager manager, long batch) {
    boolean[] keep = new boolean[(int) batch];
    Arrays.fill(keep, true);
    double p = decoderConfig.queryDropout();
    if (queryCount == 0 || p == 0) {
      return keep;
    }
    float[] u = manager.randomUniform(0f, 1f, new Shape(batch)).toFloatArray();
    for (int i = 0; i < keep.length; i++) {
      keep[i] = u[i] >= p;
    }
    return keep;
  }

  /**
   * Decodes a normalised joint latent where image i sees its queries only if {@code keep[i]}: the two
   * groups are decoded separately (a dropped image's sequence is [CLS ; patches], exactly as {@code
   * decode(joint, true)}) and put back in batch order.
   *
   * @return (B, 3, H, W)
   */
  public NDArray decodeWithQueryDropout(NDArray joint, boolean[] keep) {
    List<Long> kept = new ArrayList<>();
    List<Long> dropped = new ArrayList<>();
    for (int i = 0; i < keep.length; i++) {
      (keep[i] ? kept : dropped).add((long) i);
    }
    if (dropped.isEmpty() || kept.isEmpty()) {
      return decode(joint, !dropped.isEmpty());
    }
    NDManager m = joint.getManager();
    NDArray a = decode(joint.get(m.create(toArray(kept))), false); // (B_keep, 3, H, W)
    NDArray b = decode(joint.get(m.create(toArray(dropped))), true); // (B_drop, 3, H, W)
    long[] inverse = new long[keep.length];
    for (int i = 0; i < kept.size(); i++) {
      inverse[kept.get(i).intValue()] = i;
    }
    for (int i = 0; i < dropped.size(); i++) {
      inverse[dropped.get(i).intValue()] = kept.size() + i;
    }
    return NDArrays.concat(new NDList(a, b), 0).get(m.create(inverse)); // (B, 3, H, W)
  }

  private static long[] toArray(List<Long> xs) {
    return xs.stream().mapToLong(Long::longValue).toArray();
  }

  /** Decoder logits -> pixel-space images: unpatchify, then undo the encoder's input normalisation. */
  private NDArray pixels(NDArray logits) {
    NDManager m = logits.getManager();
    NDArray image = decoder.unpatchify(logits); // (B, 3, H, W)
    NDArray std = m.create(encoderInfo.imageStd(), new Shape(1, 3, 1, 1));
    NDArray mean = m.create(encoderInfo.imageMean(), new Shape(1, 3, 1, 1));
    return image.mul(std).add(mean);
  }
}
