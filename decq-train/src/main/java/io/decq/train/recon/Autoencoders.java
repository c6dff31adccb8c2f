package io.decq.train.recon;

import ai.djl.ndarray.NDManager;
import io.decq.core.config.DecqConfig;
import io.decq.core.encoder.FrozenEncoder;
import io.decq.core.rae.DecqAutoencoder;
import io.decq.core.rae.DecqAutoencoder.EncoderInfo;

/** Building the DecQ autoencoder that fits a frozen encoder, as the trainer and the checkpoint loader both do. */
public final class Autoencoders {
  private static final float[] HALF = {0.5f, 0.5f, 0.5f};

  private Autoencoders() {}

  /**
   * What the autoencoder needs to know about {@code encoder}: sizes, and the per-channel input
   * normalisation its decoder undoes (ImageNet mean/std for DINOv2, 0.5/0.5 for SigLIP2, as the
   * encoder's preprocessing).
   */
  public static EncoderInfo encoderInfo(FrozenEncoder encoder) {
    boolean dinov2 = switch (encoder.family()) {
      case DINOV2_REG -> true;
      case SIGLIP2 -> false;
      case AUTO -> throw new IllegalStateException("a loaded encoder has a concrete family");
    };
    return new EncoderInfo(encoder.width(), encoder.depth(), encoder.prefixTokens(), encoder.patchTokens(),
        dinov2 ? EncoderInfo.IMAGENET_MEAN : HALF, dinov2 ? EncoderInfo.IMAGENET_STD : HALF);
  }

  /**
   * The autoencoder of {@code config} ({@code queries}, {@code decoder}) for {@code encoder}, its
   * parameters allocated in {@code manager} with initial values drawn from {@code seed}.
   *
   * @throws io.decq.core.cli.BadInputException when the config does not fit the encoder (a tap beyond
   *     its depth, condenser heads that do not divide its width)
   */
  public static DecqAutoencoder build(DecqConfig config, FrozenEncoder encoder, NDManager manager, long seed) {
    DecqAutoencoder model = new DecqAutoencoder(encoderInfo(encoder), config.queries(), config.decoder());
    model.materialize(manager, seed);
    return model;
  }
}
