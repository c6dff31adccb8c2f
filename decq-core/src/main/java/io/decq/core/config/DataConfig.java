package io.decq.core.config;

/**
 * The {@code data} section: the image folder and its augmentations.
 *
 * <p>A folder is either ImageNet-style (one sub-folder per class; labels are the sorted folder names'
 * indices) or flat (images directly inside; every label is 0). Each training image is resized so its
 * shorter side is {@code resize} (PIL bicubic with antialiasing, what torchvision's {@code Resize} does
 * to PIL images), cropped to {@code image_size} and flipped left-right with probability 1/2. The RAE
 * stage-1 recipe is resize 384, random crop 256, flip.
 *
 * @param path the training image folder (relative paths are relative to the working directory)
 * @param imageSize side of the square training crop, in pixels
 * @param resize shorter side after resizing, before cropping (0 = no resize)
 * @param crop how the {@code image_size} square is cut: random (training), center, or none (every image
 *     must already be image_size square after the resize)
 * @param hflip flip each training image left-right with probability 1/2
 * @param numWorkers threads that decode and augment images
 * @param prefetch batches decoded ahead of the training step (bounds host memory)
 * @param valPath folder of the fixed preview images (null = the training folder)
 * @param valCount how many preview images, the first in sorted order, resized and center-cropped
 */
public record DataConfig(
    String path,
    int imageSize,
    int resize,
    Crop crop,
    boolean hflip,
    int numWorkers,
    int prefetch,
    String valPath,
    int valCount) {

  /** How the training square is cut from the resized image. */
  public enum Crop {
    /** A uniformly random window (torchvision RandomCrop). */
    RANDOM,
    /** The central window, offsets rounded half to even (torchvision CenterCrop). */
    CENTER,
    /** No crop: the resized image must already be image_size x image_size. */
    NONE
  }

  public DataConfig {
    Check.that(path == null || !path.isBlank(), "path", "must be a folder of images or left out");
    Check.atLeast("image_size", imageSize, 1);
    Check.atLeast("resize", resize, 0);
    Check.that(resize == 0 || resize >= imageSize, "resize",
        "must be 0 (no resize) or >= image_size " + imageSize + ", got " + resize);
    Check.that(crop != null, "crop", "must be one of random, center, none");
    Check.atLeast("num_workers", numWorkers, 1);
    Check.atLeast("prefetch", prefetch, 1);
    Check.that(valPath == null || !valPath.isBlank(), "val_path", "must be a folder of images or left out");
    Check.atLeast("val_count", valCount, 0);
  }

  public static DataConfig defaults() {
    return new DataConfig(null, 256, 384, Crop.RANDOM, true, 2, 4, null, 8);
  }
}
