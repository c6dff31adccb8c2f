import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;

/**
 * Writes the Fashion-MNIST idx files of Debian's dataset-fashion-mnist as PNG class folders:
 * OUT/{train,test}/{0_tshirt_top,...,9_ankle_boot}/NNNNN.png (28x28, RGB with three equal channels).
 * Folder names start with the class index so that sorting them gives the dataset's label order.
 * Run with a plain JDK (no build): java scripts/FashionMnistToPng.java SRC_DIR OUT_DIR
 */
public final class FashionMnistToPng {
  static final String[] CLASSES = {"tshirt_top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker",
      "bag", "ankle_boot"};

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: java FashionMnistToPng.java SRC_DIR OUT_DIR");
      System.exit(2);
    }
    Path src = Path.of(args[0]);
    Path out = Path.of(args[1]);
    convert(src.resolve("train-images-idx3-ubyte.gz"), src.resolve("train-labels-idx1-ubyte.gz"), out.resolve("train"));
    convert(src.resolve("t10k-images-idx3-ubyte.gz"), src.resolve("t10k-labels-idx1-ubyte.gz"), out.resolve("test"));
  }

  static void convert(Path images, Path labels, Path out) throws IOException {
    try (DataInputStream im = open(images, 2051); DataInputStream lb = open(labels, 2049)) {
      int n = im.readInt();
      int rows = im.readInt();
      int cols = im.readInt();
      if (lb.readInt() != n) {
        throw new IOException(labels + ": label count differs from " + images);
      }
      for (int c = 0; c < CLASSES.length; c++) {
        Files.createDirectories(out.resolve(c + "_" + CLASSES[c]));
      }
      byte[] px = new byte[rows * cols];
      for (int i = 0; i < n; i++) {
        im.readFully(px);
        int label = lb.readUnsignedByte();
        BufferedImage img = new BufferedImage(cols, rows, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < rows; y++) {
          for (int x = 0; x < cols; x++) {
            int v = px[y * cols + x] & 0xFF;
            img.getRaster().setPixel(x, y, new int[] {v, v, v});
          }
        }
        ImageIO.write(img, "png", out.resolve(label + "_" + CLASSES[label]).resolve(String.format("%05d.png", i)).toFile());
      }
      System.out.println(out + ": " + n + " images of " + rows + "x" + cols);
    }
  }

  static DataInputStream open(Path file, int magic) throws IOException {
    InputStream in = new GZIPInputStream(Files.newInputStream(file), 1 << 16);
    DataInputStream d = new DataInputStream(in);
    if (d.readInt() != magic) {
      throw new IOException(file + ": not an idx file with magic " + magic);
    }
    return d;
  }
}
