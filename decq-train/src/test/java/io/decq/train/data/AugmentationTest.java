package io.decq.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.decq.core.config.DataConfig.Crop;
import io.decq.core.error.BadInputException;
import io.decq.core.image.RgbImage;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AugmentationTest {

  /** Pixel (y, x) holds (y, x, y * 16 + x): every window is recognisable. */
  private static RgbImage coordinates(int h, int w) {
    byte[] rgb = new byte[h * w * 3];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        rgb[(y * w + x) * 3] = (byte) y;
        rgb[(y * w + x) * 3 + 1] = (byte) x;
        rgb[(y * w + x) * 3 + 2] = (byte) (y * 16 + x);
      }
    }
    return new RgbImage(h, w, rgb);
  }

  @Test
  void flipMirrorsEveryRow() {
    RgbImage img = coordinates(5, 7);
    RgbImage f = Transforms.flipHorizontal(img);
    for (int y = 0; y < 5; y++) {
      for (int x = 0; x < 7; x++) {
        for (int c = 0; c < 3; c++) {
          assertEquals(img.get(y, 6 - x, c), f.get(y, x, c), "pixel (" + y + ", " + x + ")");
        }
      }
    }
    assertFalse(Arrays.equals(img.rgb(), f.rgb()));
    assertArrayEquals(img.rgb(), Transforms.flipHorizontal(f).rgb());
  }

  @Test
  void cropTakesTheRequestedWindow() {
    RgbImage img = coordinates(9, 11);
    RgbImage c = Transforms.crop(img, 2, 3, 4, 5);
    assertEquals(4, c.height());
    assertEquals(5, c.width());
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 5; x++) {
        assertEquals(2 + y, c.get(y, x, 0));
        assertEquals(3 + x, c.get(y, x, 1));
      }
    }
    assertThrows(IllegalArgumentException.class, () -> Transforms.crop(img, 6, 0, 4, 4));
  }

  @Test
  void centerCropRoundsHalfToEvenLikeTorchvision() {
    // torchvision: int(round((size - crop) / 2.0)), Python rounding: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2.
    assertEquals(0, Transforms.centerOffset(9, 8));
    assertEquals(2, Transforms.centerOffset(11, 8));
    assertEquals(2, Transforms.centerOffset(13, 8));
    assertEquals(1, Transforms.centerOffset(10, 8));
    Augmentation center = new Augmentation(4, 0, Crop.CENTER, false);
    RgbImage c = center.apply(coordinates(7, 10), new Random(1), "test");
    assertEquals(2, c.get(0, 0, 0), "top = round(1.5) = 2");
    assertEquals(3, c.get(0, 0, 1), "left = round(3.0) = 3");
  }

  @Test
  void randomCropVisitsEveryOffsetAndFlipsAboutHalf() {
    RgbImage img = coordinates(8, 10);
    Augmentation aug = new Augmentation(6, 0, Crop.RANDOM, true);
    Set<Integer> tops = new HashSet<>();
    Set<Integer> lefts = new HashSet<>();
    int flipped = 0;
    int n = 2000;
    for (int s = 0; s < n; s++) {
      RgbImage out = aug.apply(img, new Random(s), "test");
      assertEquals(6, out.height());
      assertEquals(6, out.width());
      int top = out.get(0, 0, 0);
      boolean isFlipped = out.get(0, 0, 1) > out.get(0, 5, 1);
      int left = isFlipped ? out.get(0, 5, 1) : out.get(0, 0, 1);
      RgbImage window = Transforms.crop(img, top, left, 6, 6);
      assertArrayEquals((isFlipped ? Transforms.flipHorizontal(window) : window).rgb(), out.rgb(), "seed " + s);
      tops.add(top);
      lefts.add(left);
      flipped += isFlipped ? 1 : 0;
    }
    assertEquals(Set.of(0, 1, 2), tops);
    assertEquals(Set.of(0, 1, 2, 3, 4), lefts);
    assertTrue(Math.abs(flipped - n / 2) < 4 * Math.sqrt(n / 4.0), "flipped " + flipped + " of " + n);
  }

  @Test
  void resizeThenCropGivesTheSquare() {
    Augmentation aug = new Augmentation(16, 20, Crop.RANDOM, true);
    RgbImage out = aug.apply(coordinates(30, 45), new Random(3), "test");
    assertEquals(16, out.height());
    assertEquals(16, out.width());
    assertArrayEquals(new int[] {20, 30}, Transforms.shorterSideSize(30, 45, 20));
    assertArrayEquals(new int[] {30, 20}, Transforms.shorterSideSize(45, 30, 20));
  }

  @Test
  void tooSmallImagesAreRefusedNamingTheFile() {
    Augmentation aug = new Augmentation(16, 0, Crop.RANDOM, false);
    BadInputException e = assertThrows(BadInputException.class, () -> aug.apply(coordinates(10, 30), new Random(0), "x/a.png"));
    assertTrue(e.getMessage().startsWith("x/a.png: is 10x30"), e.getMessage());
    Augmentation none = new Augmentation(16, 0, Crop.NONE, false);
    assertThrows(BadInputException.class, () -> none.apply(coordinates(16, 17), new Random(0), "x/b.png"));
    assertEquals(16, none.apply(coordinates(16, 16), new Random(0), "x/c.png").width());
  }
}
