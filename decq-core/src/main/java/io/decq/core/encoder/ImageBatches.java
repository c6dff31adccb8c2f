package io.decq.core.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.decq.core.error.BadInputException;
import io.decq.core.image.ImageFolder;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Image files for the encoder commands: folders expanded, every image decoded and size-checked. */
public final class ImageBatches {
  private ImageBatches() {}

  /**
   * The image files named by {@code args}: files as given, folders expanded by {@link ImageFolder} (their
   * images, or the images of their class sub-folders, in path order).
   */
  public static List<Path> resolve(List<Path> args) {
    List<Path> out = new ArrayList<>();
    for (Path p : args) {
      if (Files.isDirectory(p)) {
        out.addAll(ImageFolder.scan(p, "--images").files());
      } else if (Files.isRegularFile(p)) {
        out.add(p);
      } else {
        throw new BadInputException(p + ": no such image file or folder");
      }
    }
    if (out.isEmpty()) {
      throw new BadInputException("no images given");
    }
    return out;
  }

  /**
   * Decodes {@code files} into a uint8 batch (B, 3, S, S) owned by {@code manager}; an unreadable file or one
   * that is not {@code size x size} fails naming the file.
   */
  public static NDArray load(NDManager manager, List<Path> files, int size) {
    List<RgbImage> images = new ArrayList<>();
    for (Path f : files) {
      RgbImage im = Images.read(f);
      if (im.height() != size || im.width() != size) {
        throw new BadInputException(f + ": image is " + im.width() + "x" + im.height() + " but the encoder takes "
            + size + "x" + size + " (encoder.image_size); crop or resize it first");
      }
      images.add(im);
    }
    return Images.toNCHW(manager, images);
  }
}
