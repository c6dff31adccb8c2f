package io.decq.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;

/**
 * RAE's GAN losses ({@code src/disc/gan_loss.py}) on discriminator logits of any shape (every logit counts
 * once in the means), and the quantisation RAE applies to fakes before the discriminator step.
 */
public final class GanLoss {
  private GanLoss() {}

  /** Discriminator hinge loss {@code 0.5 (mean relu(1 - real) + mean relu(1 + fake))}, a scalar. */
  public static NDArray hingeD(NDArray logitsReal, NDArray logitsFake) {
    NDArray real = Activation.relu(logitsReal.neg().add(1f)).mean();
    NDArray fake = Activation.relu(logitsFake.add(1f)).mean();
    return real.add(fake).mul(0.5f);
  }

  /** Vanilla (non-saturating) discriminator loss {@code 0.5 (mean softplus(-real) + mean softplus(fake))}. */
  public static NDArray vanillaD(NDArray logitsReal, NDArray logitsFake) {
    NDArray real = Activation.softPlus(logitsReal.neg()).mean();
    NDArray fake = Activation.softPlus(logitsFake).mean();
    return real.add(fake).mul(0.5f);
  }

  /** Generator loss {@code -mean(D(fake))}, a scalar. */
  public static NDArray generator(NDArray logitsFake) {
    return logitsFake.mean().neg();
  }

  /** RAE's D accuracy: the fraction of positions where {@code real > fake} (elementwise), a scalar. */
  public static NDArray accuracy(NDArray logitsReal, NDArray logitsFake) {
    return logitsReal.gt(logitsFake).toType(DataType.FLOAT32, false).mean();
  }

  /**
   * The fake images the discriminator step sees: {@code round((clamp(x, -1, 1) + 1) * 127.5) / 127.5 - 1}
   * (8-bit levels, round half to even), without gradient. (B, 3, H, W) in [-1, 1] units.
   */
  public static NDArray quantize8bit(NDArray fake) {
    try (NDArray detached = fake.stopGradient()) {
      return detached.clip(-1f, 1f).add(1f).mul(127.5f).round().div(127.5f).sub(1f);
    }
  }
}
