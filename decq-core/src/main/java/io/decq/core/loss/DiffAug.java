package io.decq.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * RAE's {@code DiffAug} (from StyleGAN-T): differentiable translation, colour and cutout applied to the
 * discriminator's inputs, with the random draws explicit ({@link Draws}) so a run is reproducible and a
 * PyTorch run can be replayed from its recorded draws. Per call: {@code flags} (3 uniforms; operation j is
 * on when {@code flags[j] <= prob}: translation, colour, cutout) and {@code rand} (7 uniforms per sample,
 * laid out as torch's {@code r} of shape (7, B, 1, 1)). In order, per sample b:
 *
 * <ul>
 *   <li>translation: {@code delta = round(H / 8)} (half to even), {@code th = floor(r0 (2 delta + 1)) -
 *       delta}, {@code tw} likewise with r1 and W; output (y, x) = input (y + th, x + tw), zero outside;
 *   <li>colour: {@code x += r2 - 0.5}; saturation {@code (x - mean_C) * 2 r3 + mean_C}; contrast {@code (x
 *       - mean_CHW) * (r4 + 0.5) + mean_CHW};
 *   <li>cutout (when {@code cutout > 0}): a {@code round(H cutout) x round(W cutout)} square at offsets
 *       {@code floor(r5 (H + 1 - ch % 2)) - ch / 2}, {@code floor(r6 (W + 1 - cw % 2)) - cw / 2} (clamped to the
 *       image) is zeroed.
 * </ul>
 *
 * RAE's configuration: {@code prob 1.0}, {@code cutout 0.0} ({@link #RAE}).
 *
 * <p>Dimensions: B batch, C channels, H/W image size.
 */
public final class DiffAug {
  /** RAE's stage-1 configuration ({@code gan.diffaug: prob 1.0, cutout 0.0}). */
  public static final DiffAug RAE = new DiffAug(1.0f, 0.0f);

  private static final float TRANSLATION_RATIO = 0.125f;

  private final float prob;
  private final float cutout;

  public DiffAug(float prob, float cutout) {
    this.prob = prob;
    this.cutout = cutout;
  }

  /**
   * The random numbers of one call: {@code flags} (3) and {@code rand} (7 B, index {@code k * B + b} =
   * torch's {@code r[k, b, 0, 0]}).
   */
  public record Draws(float[] flags, float[] rand) {
    public Draws {
      if (flags.length != 3 || rand.length % 7 != 0) {
        throw new IllegalArgumentException("DiffAug draws: expected 3 flags and 7 x batch uniforms, got " + flags.length + " and "
            + rand.length);
      }
    }

    /** Fresh uniform draws in [0, 1) for a batch of {@code batch} from a seeded stream. */
    public static Draws sample(SplittableRandom rng, int batch) {
      float[] flags = new float[3];
      float[] rand = new float[7 * batch];
      for (int i = 0; i < flags.length; i++) {
        flags[i] = (float) rng.nextDouble();
      }
      for (int i = 0; i < rand.length; i++) {
        rand[i] = (float) rng.nextDouble();
      }
      return new Draws(flags, rand);
    }

    float r(int k, int b, int batch) {
      return rand[k * batch + b];
    }
  }

  /** Augments {@code x} (B, C, H, W) with {@code draws}; differentiable in {@code x}. */
  public NDArray apply(NDArray x, Draws draws) {
    int b = Math.toIntExact(x.getShape().get(0));
    if (draws.rand().length != 7 * b) {
      throw new IllegalArgumentException("DiffAug draws hold " + draws.rand().length / 7 + " samples, the batch has " + b);
    }
    NDArray out = x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
    if (draws.flags()[0] <= prob) {
      out = translate(out, draws);
    }
    if (draws.flags()[1] <= prob) {
      out = color(out, draws);
    }
    if (draws.flags()[2] <= prob && cutout > 0) {
      out = cutout(out, draws);
    }
    return out;
  }

  private static NDArray translate(NDArray x, Draws draws) {
    Shape s = x.getShape();
    int b = (int) s.get(0);
    int c = (int) s.get(1);
    int h = (int) s.get(2);
    int w = (int) s.get(3);
    int dh = (int) Math.rint(h * (double) TRANSLATION_RATIO);
    int dw = (int) Math.rint(w * (double) TRANSLATION_RATIO);
    long[] rows = new long[b * c * h * (w + 2)];
    long[] cols = new long[b * c * h * w];
    for (int n = 0; n < b; n++) {
      int th = (int) Math.floor(draws.r(0, n, b) * (float) (2 * dh + 1)) - dh;
      int tw = (int) Math.floor(draws.r(1, n, b) * (float) (2 * dw + 1)) - dw;
      for (int ch = 0; ch < c; ch++) {
        for (int y = 0; y < h; y++) {
          long row = Math.min(Math.max(y + th + 1, 0), h + 1);
          for (int xx = 0; xx < w + 2; xx++) {
            rows[((n * c + ch) * h + y) * (w + 2) + xx] = row;
          }
          for (int xx = 0; xx < w; xx++) {
            cols[((n * c + ch) * h + y) * w + xx] = Math.min(Math.max(xx + tw + 1, 0), w + 1);
          }
        }
      }
    }
    NDManager m = x.getManager();
    NDArray zeroRow = m.zeros(new Shape(b, c, 1, w), x.getDataType(), x.getDevice()); // (B, C, 1, W)
    NDArray tall = zeroRow.concat(x, 2).concat(zeroRow, 2); // (B, C, H + 2, W)
    NDArray zeroCol = m.zeros(new Shape(b, c, h + 2, 1), x.getDataType(), x.getDevice()); // (B, C, H + 2, 1)
    NDArray padded = zeroCol.concat(tall, 3).concat(zeroCol, 3); // (B, C, H + 2, W + 2)
    NDArray byRow = padded.gather(m.create(rows, new Shape(b, c, h, w + 2)).toDevice(x.getDevice(), false), 2); // (B, C, H, W + 2)
    return byRow.gather(m.create(cols, new Shape(b, c, h, w)).toDevice(x.getDevice(), false), 3); // (B, C, H, W)
  }

  private static NDArray color(NDArray x, Draws draws) {
    int b = (int) x.getShape().get(0);
    float[] brightness = new float[b];
    float[] saturation = new float[b];
    float[] contrast = new float[b];
    for (int n = 0; n < b; n++) {
      brightness[n] = draws.r(2, n, b) - 0.5f;
      saturation[n] = draws.r(3, n, b) * 2f;
      contrast[n] = draws.r(4, n, b) + 0.5f;
    }
    NDArray out = x.add(perSample(x, brightness)); // (B, C, H, W)
    NDArray m = out.mean(new int[] {1}, true); // (B, 1, H, W)
    out = out.sub(m).mul(perSample(x, saturation)).add(m);
    m = out.reshape(b, -1).mean(new int[] {1}).reshape(b, 1, 1, 1); // (B, 1, 1, 1)
    return out.sub(m).mul(perSample(x, contrast)).add(m);
  }

  private NDArray cutout(NDArray x, Draws draws) {
    Shape s = x.getShape();
    int b = (int) s.get(0);
    int h = (int) s.get(2);
    int w = (int) s.get(3);
    int ch = (int) Math.rint(h * (double) cutout);
    int cw = (int) Math.rint(w * (double) cutout);
    float[] mask = new float[b * h * w];
    Arrays.fill(mask, 1f);
    for (int n = 0; n < b; n++) {
      int oh = (int) Math.floor(draws.r(5, n, b) * (float) (h + 1 - ch % 2));
      int ow = (int) Math.floor(draws.r(6, n, b) * (float) (w + 1 - cw % 2));
      for (int i = 0; i < ch; i++) {
        int y = Math.min(Math.max(oh - ch / 2 + i, 0), h - 1);
        for (int j = 0; j < cw; j++) {
          int xx = Math.min(Math.max(ow - cw / 2 + j, 0), w - 1);
          mask[(n * h + y) * w + xx] = 0f;
        }
      }
    }
    return x.mul(x.getManager().create(mask, new Shape(b, 1, h, w)).toDevice(x.getDevice(), false));
  }

  private static NDArray perSample(NDArray like, float[] values) {
    return like.getManager().create(values, new Shape(values.length, 1, 1, 1)).toDevice(like.getDevice(), false);
  }
}
