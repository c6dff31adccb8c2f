package io.decq.core.image;

import io.decq.core.error.BadInputException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The images of a folder and their labels: the one folder walker of every command that takes a folder of
 * images (the trainer's {@code data.path}, {@code decq stats}, {@code decq encode}, {@code decq eval ...}).
 * Two layouts:
 *
 * <ul>
 *   <li>ImageNet-style: one sub-folder per class (searched recursively); the label of an image is the
 *       index of its class folder among the class folders sorted by name;
 *   <li>flat: images directly inside the folder, all labelled 0.
 * </ul>
 *
 * Files are ordered by path. Only {@link Images#EXTENSIONS} count as images; other files and hidden
 * entries are ignored. A folder that is missing, empty, holds both layouts, has an empty class, or has
 * an image file whose first bytes are not a PNG, JPEG or BMP signature is refused with a
 * {@link BadInputException} naming it.
 */
public final class ImageFolder {
  private static final Logger LOG = LoggerFactory.getLogger(ImageFolder.class);
  /** Above this many images the signature check samples evenly instead of opening every file. */
  private static final int SIGNATURE_CHECK_ALL = 50_000;

  private final Path root;
  private final List<Path> files;
  private final int[] labels;
  private final List<String> classes;

  private ImageFolder(Path root, List<Path> files, int[] labels, List<String> classes) {
    this.root = root;
    this.files = files;
    this.labels = labels;
    this.classes = classes;
  }

  /**
   * Lists {@code root}; {@code key} (e.g. {@code data.path}, {@code --images}) names the setting in error
   * messages (null: the messages start with the folder alone).
   *
   * @throws BadInputException when the folder cannot serve as a dataset
   */
  public static ImageFolder scan(Path root, String key) {
    String where = key == null ? root.toString() : key + " " + root;
    if (!Files.exists(root)) {
      throw new BadInputException(where + ": folder not found");
    }
    if (!Files.isDirectory(root)) {
      throw new BadInputException(where + ": not a folder (expected a folder of images or of class sub-folders)");
    }
    List<Path> dirs = new ArrayList<>();
    List<Path> loose = new ArrayList<>();
    List<Path> other = new ArrayList<>();
    for (Path p : children(root)) {
      if (Files.isDirectory(p)) {
        dirs.add(p);
      } else if (Images.isImage(p)) {
        loose.add(p);
      } else {
        other.add(p);
      }
    }
    List<Path> files = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    List<String> classes = new ArrayList<>();
    if (dirs.isEmpty()) {
      if (loose.isEmpty()) {
        throw new BadInputException(where + ": holds no images (" + String.join(" ", Images.EXTENSIONS) + ")"
            + (other.isEmpty() ? ", it is empty" : "; found " + other.size() + " other file(s), e.g. " + other.get(0).getFileName()));
      }
      files.addAll(loose);
      loose.forEach(p -> labels.add(0));
    } else {
      if (!loose.isEmpty()) {
        throw new BadInputException(where + ": holds both class sub-folders (" + dirs.get(0).getFileName() + ", ...) and "
            + loose.size() + " loose image(s) (" + loose.get(0).getFileName() + ", ...); use one layout");
      }
      for (Path dir : dirs) {
        List<Path> imgs = imagesUnder(dir);
        if (imgs.isEmpty()) {
          throw new BadInputException(where + ": class folder " + dir.getFileName() + " holds no images ("
              + String.join(" ", Images.EXTENSIONS) + ")");
        }
        int label = classes.size();
        classes.add(dir.getFileName().toString());
        files.addAll(imgs);
        imgs.forEach(p -> labels.add(label));
      }
    }
    if (!other.isEmpty()) {
      LOG.info("{}: ignoring {} file(s) that are not images, e.g. {}", where, other.size(), other.get(0).getFileName());
    }
    checkSignatures(where, files);
    return new ImageFolder(root, List.copyOf(files), labels.stream().mapToInt(Integer::intValue).toArray(),
        classes.isEmpty() ? List.of() : List.copyOf(classes));
  }

  /** The folder. */
  public Path root() {
    return root;
  }

  /** Number of images. */
  public int size() {
    return files.size();
  }

  /** Every image, in path order. */
  public List<Path> files() {
    return files;
  }

  /** Image {@code i} in path order. */
  public Path file(int i) {
    return files.get(i);
  }

  /** The label of image {@code i} (0 in a flat folder). */
  public int label(int i) {
    return labels[i];
  }

  /** Class names in label order (empty for a flat folder). */
  public List<String> classes() {
    return classes;
  }

  private static List<Path> children(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    } catch (IOException e) {
      throw new BadInputException(dir + ": cannot list folder: " + e.getMessage());
    }
  }

  private static List<Path> imagesUnder(Path dir) {
    try (Stream<Path> s = Files.walk(dir, FileVisitOption.FOLLOW_LINKS)) {
      return s.filter(p -> !hidden(dir.relativize(p)))
          .filter(Files::isRegularFile)
          .filter(Images::isImage)
          .sorted()
          .toList();
    } catch (IOException | UncheckedIOException e) {
      throw new BadInputException(dir + ": cannot list folder: " + e.getMessage());
    }
  }

  private static boolean hidden(Path relative) {
    for (Path part : relative) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  /** Refuses files whose first bytes are not an image signature (every file, or an even sample of a large set). */
  private static void checkSignatures(String where, List<Path> files) {
    int n = files.size();
    int stride = n <= SIGNATURE_CHECK_ALL ? 1 : (n + SIGNATURE_CHECK_ALL - 1) / SIGNATURE_CHECK_ALL;
    for (int i = 0; i < n; i += stride) {
      Path p = files.get(i);
      if (!hasImageSignature(p)) {
        throw new BadInputException(where + ": " + p + " is not a PNG, JPEG or BMP file (its first bytes say otherwise)");
      }
    }
  }

  static boolean hasImageSignature(Path file) {
    byte[] head = new byte[8];
    int got;
    try (InputStream in = Files.newInputStream(file)) {
      got = in.readNBytes(head, 0, head.length);
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read: " + e.getMessage());
    }
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (got >= 8 && Arrays.equals(head, png)) {
      return true;
    }
    if (got >= 3 && (head[0] & 0xFF) == 0xFF && (head[1] & 0xFF) == 0xD8 && (head[2] & 0xFF) == 0xFF) {
      return true;
    }
    return got >= 2 && head[0] == 'B' && head[1] == 'M';
  }
}
