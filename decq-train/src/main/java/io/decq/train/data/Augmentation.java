package io.decq.train.data;

import io.decq.core.config.DataConfig;
import io.decq.core.config.DataConfig.Crop;
import io.decq.core.error.BadInputException;
import io.decq.core.image.RgbImage;
import java.util.Random;

/**
 * The uint8 augmentation of one image, in torchvision's order: {@code Resize(resize)} (shorter side,
 * PIL bicubic with antialiasing), then a random or center crop to {@code imageSize} square, then a
 * left-right flip with probability 1/2. Random draws, in this order: crop top, crop left, flip.
 *
 * @param imageSize side of the square output
 * @param resize shorter side after resizing (0 = keep the size)
 * @param crop how the square is cut
 * @param hflip flip with probability 1/2
 */
public record Augmentation(int imageSize, int resize, Crop crop, boolean hflip) {

  /** The training augmentation the data section describes. */
  public static Augmentation training(DataConfig data) {
    return new Augmentation(data.imageSize(), data.resize(), data.crop(), data.hflip());
  }

  /** The deterministic one for fixed preview images: the same resize, a center crop, no flip. */
  public static Augmentation preview(DataConfig data) {
    return new Augmentation(data.imageSize(), data.resize(), data.crop() == Crop.NONE ? Crop.NONE : Crop.CENTER, false);
  }

  /**
   * Augments {@code image}; {@code source} names it in errors.
   *
   * @throws BadInputException when the image is too small for the crop (or, with crop none, not square
   *     at image_size)
   */
  public RgbImage apply(RgbImage image, Random rng, String source) {
    RgbImage img = resize > 0 ? Transforms.resizeShorterSide(image, resize) : image;
    int h = img.height();
    int w = img.width();
    switch (crop) {
      case NONE -> {
        if (h != imageSize || w != imageSize) {
          throw new BadInputException(source + ": is " + h + "x" + w + (resize > 0 ? " after the resize" : "")
              + " but data.crop none needs every image to be data.image_size " + imageSize + " square");
        }
      }
      case RANDOM, CENTER -> {
        if (h < imageSize || w < imageSize) {
          throw new BadInputException(source + ": is " + h + "x" + w + (resize > 0 ? " after the resize" : "")
              + ", smaller than the data.image_size " + imageSize + " crop; set data.resize >= " + imageSize);
        }
        int top;
        int left;
        if (crop == Crop.RANDOM) {
          top = rng.nextInt(h - imageSize + 1);
          left = rng.nextInt(w - imageSize + 1);
        } else {
          top = Transforms.centerOffset(h, imageSize);
          left = Transforms.centerOffset(w, imageSize);
        }
        img = Transforms.crop(img, top, left, imageSize, imageSize);
      }
      default -> throw new IllegalStateException("unknown crop " + crop);
    }
    if (hflip && rng.nextDouble() < 0.5) {
      img = Transforms.flipHorizontal(img);
    }
    return img;
  }
}
