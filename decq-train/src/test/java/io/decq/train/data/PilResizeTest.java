package io.decq.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Our resize against PIL 9.4's {@code Image.resize(size, BICUBIC)} of the shorter side (what
 * torchvision's Resize does to PIL images); fixtures made by src-test-data/resize/make_fixture.py.
 */
class PilResizeTest {
  private static final Path DIR = Path.of(System.getProperty("decq.test.data", "src-test-data"), "resize");

  @ParameterizedTest(name = "{0} -> shorter side {1}")
  @CsvSource({"landscape, 16", "landscape, 30", "landscape, 43", "landscape, 64", "portrait, 24", "portrait, 61", "portrait, 130"})
  void matchesPilWithinOneGreyLevel(String name, int size) {
    RgbImage in = Images.read(DIR.resolve("input_" + name + ".png"));
    RgbImage want = Images.read(DIR.resolve("expected_" + name + "_" + size + ".png"));
    RgbImage got = Transforms.resizeShorterSide(in, size);
    assertEquals(want.height(), got.height(), "height");
    assertEquals(want.width(), got.width(), "width");
    int maxDiff = 0;
    int differing = 0;
    for (int i = 0; i < want.rgb().length; i++) {
      int d = Math.abs((want.rgb()[i] & 0xFF) - (got.rgb()[i] & 0xFF));
      maxDiff = Math.max(maxDiff, d);
      differing += d > 0 ? 1 : 0;
    }
    System.out.printf("resize %s %dx%d -> %dx%d: max |diff| %d, %d of %d values differ%n",
        name, in.height(), in.width(), got.height(), got.width(), maxDiff, differing, want.rgb().length);
    assertTrue(maxDiff <= 1, "max abs difference to PIL " + maxDiff + " grey levels");
  }
}
