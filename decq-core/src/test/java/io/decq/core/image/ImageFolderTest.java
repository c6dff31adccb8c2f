package io.decq.core.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.decq.core.error.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {
  @TempDir Path tmp;

  @Test
  void classFoldersGiveLabelsBySortedName() throws Exception {
    write(tmp.resolve("n02/b.png"), 1, 4, 4);
    write(tmp.resolve("n02/a.png"), 2, 4, 4);
    write(tmp.resolve("n01/deep/c.png"), 3, 4, 4);
    Files.writeString(tmp.resolve("n01/notes.txt"), "not an image");
    write(tmp.resolve("n10/.hidden/d.png"), 4, 4, 4);
    write(tmp.resolve("n10/e.png"), 5, 4, 4);
    ImageFolder f = ImageFolder.scan(tmp, "data.path");
    assertEquals(List.of("n01", "n02", "n10"), f.classes());
    assertEquals(4, f.size());
    assertEquals(tmp.resolve("n01/deep/c.png"), f.file(0));
    assertEquals(tmp.resolve("n02/a.png"), f.file(1));
    assertEquals(tmp.resolve("n02/b.png"), f.file(2));
    assertEquals(tmp.resolve("n10/e.png"), f.file(3));
    assertEquals(0, f.label(0));
    assertEquals(1, f.label(1));
    assertEquals(1, f.label(2));
    assertEquals(2, f.label(3));
  }

  @Test
  void flatFolderIsLabelZero() throws Exception {
    for (int i = 0; i < 3; i++) {
      write(tmp.resolve("img" + i + ".png"), i, 4, 4);
    }
    Files.writeString(tmp.resolve("README"), "x");
    ImageFolder f = ImageFolder.scan(tmp, "data.path");
    assertEquals(3, f.size());
    assertEquals(List.of(), f.classes());
    for (int i = 0; i < 3; i++) {
      assertEquals(0, f.label(i));
    }
  }

  @Test
  void unusableFoldersFailWithTheKeyAndTheReason() throws Exception {
    assertMessage(tmp.resolve("nope"), "data.path " + tmp.resolve("nope") + ": folder not found");
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    assertMessage(empty, "holds no images (.png .jpg .jpeg .bmp), it is empty");
    Path texts = Files.createDirectories(tmp.resolve("texts"));
    Files.writeString(texts.resolve("a.txt"), "x");
    assertMessage(texts, "holds no images (.png .jpg .jpeg .bmp); found 1 other file(s), e.g. a.txt");
    Path fake = Files.createDirectories(tmp.resolve("fake"));
    Files.writeString(fake.resolve("a.png"), "this is text");
    assertMessage(fake, "a.png is not a PNG, JPEG or BMP file");
    Path mixed = Files.createDirectories(tmp.resolve("mixed"));
    write(mixed.resolve("cls/a.png"), 0, 4, 4);
    write(mixed.resolve("loose.png"), 0, 4, 4);
    assertMessage(mixed, "holds both class sub-folders");
    Path emptyClass = Files.createDirectories(tmp.resolve("emptyclass/b"));
    write(tmp.resolve("emptyclass/a/x.png"), 0, 4, 4);
    assertMessage(emptyClass.getParent(), "class folder b holds no images");
    Path file = tmp.resolve("file.png");
    write(file, 0, 4, 4);
    assertMessage(file, "not a folder");
  }

  @Test
  void withoutAKeyMessagesStartWithTheFolder() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    BadInputException e = assertThrows(BadInputException.class, () -> ImageFolder.scan(empty, null));
    assertEquals(empty + ": holds no images (.png .jpg .jpeg .bmp), it is empty", e.getMessage());
  }

  @Test
  void imagesListIsTheWalkersListing() throws Exception {
    write(tmp.resolve("b/x.png"), 1, 4, 4);
    write(tmp.resolve("a/y.png"), 2, 4, 4);
    assertEquals(List.of(tmp.resolve("a/y.png"), tmp.resolve("b/x.png")), Images.list(tmp));
    assertEquals(ImageFolder.scan(tmp, "data.path").files(), Images.list(tmp));
  }

  private static void assertMessage(Path dir, String part) {
    BadInputException e = assertThrows(BadInputException.class, () -> ImageFolder.scan(dir, "data.path"));
    assertTrue(e.getMessage().contains(part), e.getMessage());
    assertTrue(e.getMessage().startsWith("data.path "), e.getMessage());
  }

  /** A small PNG whose pixels all equal {@code id}. */
  static void write(Path file, int id, int height, int width) throws IOException {
    Files.createDirectories(file.getParent());
    byte[] rgb = new byte[height * width * 3];
    Arrays.fill(rgb, (byte) id);
    Images.writePng(new RgbImage(height, width, rgb), file);
  }
}
