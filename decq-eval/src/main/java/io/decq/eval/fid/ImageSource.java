package io.decq.eval.fid;

import io.decq.core.error.BadInputException;
import io.decq.core.image.ImageFolder;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import io.decq.core.io.DType;
import io.decq.core.io.Npz;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Images read in batches, in a fixed order: a folder of image files (sorted by name) or an ADM-style
 * sample batch {@code .npz} whose {@code arr_0} is uint8 {@code (N, H, W, 3)} (streamed, never loaded
 * whole; {@code arr_1} labels are ignored).
 */
public abstract class ImageSource implements AutoCloseable {
  /** The array of an ADM sample / reference batch that holds the images. */
  public static final String IMAGES_KEY = "arr_0";

  private final Path path;

  private ImageSource(Path path) {
    this.path = path;
  }

  /** A folder of images or an {@code .npz} with {@code arr_0}; anything else is a {@link BadInputException}. */
  public static ImageSource open(Path path) {
    if (Files.isDirectory(path)) {
      return new Folder(path);
    }
    if (path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npz")) {
      return new NpzBatch(path);
    }
    throw new BadInputException(path + ": expected a folder of images or an .npz sample batch with '" + IMAGES_KEY
        + "' (uint8, N x H x W x 3)" + (Files.exists(path) ? "" : " (not found)"));
  }

  /** Where the images come from. */
  public Path path() {
    return path;
  }

  /** How many images the source holds. */
  public abstract int size();

  /** The next at most {@code max} images; empty when every image has been read. */
  public abstract List<RgbImage> next(int max);

  @Override
  public abstract void close();

  private static final class Folder extends ImageSource {
    private final List<Path> files;
    private int position;

    Folder(Path dir) {
      super(dir);
      files = ImageFolder.scan(dir, null).files();
    }

    @Override
    public int size() {
      return files.size();
    }

    @Override
    public List<RgbImage> next(int max) {
      List<RgbImage> out = new ArrayList<>();
      while (out.size() < max && position < files.size()) {
        out.add(Images.read(files.get(position++)));
      }
      return out;
    }

    @Override
    public void close() {
      // nothing open between batches
    }
  }

  private static final class NpzBatch extends ImageSource {
    private final Npz.Member member;
    private final DataInputStream in;
    private final int count;
    private final int height;
    private final int width;
    private int position;

    NpzBatch(Path file) {
      super(file);
      member = Npz.stream(file, IMAGES_KEY);
      long[] s = member.header().shape();
      if (member.header().dtype() != DType.U8 || s.length != 4 || s[3] != 3) {
        closeQuietly();
        throw new BadInputException(file + ": '" + IMAGES_KEY + "' must be uint8 images of shape (N, H, W, 3), got "
            + member.header().dtype() + " " + Arrays.toString(s));
      }
      count = Math.toIntExact(s[0]);
      height = Math.toIntExact(s[1]);
      width = Math.toIntExact(s[2]);
      in = new DataInputStream(member.data());
    }

    @Override
    public int size() {
      return count;
    }

    @Override
    public List<RgbImage> next(int max) {
      List<RgbImage> out = new ArrayList<>();
      try {
        while (out.size() < max && position < count) {
          byte[] rgb = new byte[height * width * 3];
          in.readFully(rgb);
          out.add(new RgbImage(height, width, rgb));
          position++;
        }
      } catch (EOFException e) {
        throw new BadInputException(path() + ": '" + IMAGES_KEY + "' is truncated after " + position + " of " + count
            + " images");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out;
    }

    @Override
    public void close() {
      closeQuietly();
    }

    private void closeQuietly() {
      try {
        member.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
