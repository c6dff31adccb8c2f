package io.decq.eval.recon;

import io.decq.core.image.RgbImage;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * What {@link ReconEvaluation} scores: something that reconstructs square 8-bit images of one size, such
 * as a trained stage-1 autoencoder ({@code Reconstructor.of(ae.imageSize(), ae::reconstruct)}).
 */
public interface Reconstructor {
  /** S, the side of the square images it takes and returns. */
  int imageSize();

  /** Reconstructions of S x S images, rounded to 8 bits, in input order. */
  List<RgbImage> reconstruct(List<RgbImage> images);

  /** A reconstructor of {@code imageSize}-sided images computed by {@code reconstruct}. */
  static Reconstructor of(int imageSize, UnaryOperator<List<RgbImage>> reconstruct) {
    return new Reconstructor() {
      @Override
      public int imageSize() {
        return imageSize;
      }

      @Override
      public List<RgbImage> reconstruct(List<RgbImage> images) {
        return reconstruct.apply(images);
      }
    };
  }
}
