package io.decq.core.latent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** The joint latent's token order: queries first, then patches row-major, and RAE's (B, C, g, g) form. */
class LatentLayoutTest {
  @Test
  void countsAndTokenOrder() {
    LatentLayout l = new LatentLayout(2, 3, 4);
    assertEquals(9, l.patchTokens());
    assertEquals(11, l.tokens());
    assertEquals(44, l.values());
    try (NDManager m = NDManager.newBaseManager()) {
      int b = 2;
      float[] grid = new float[b * 4 * 3 * 3];
      for (int i = 0; i < grid.length; i++) {
        grid[i] = i;
      }
      NDArray latent = m.create(grid, new Shape(b, 4, 3, 3)); // (B, C, g, g)
      NDArray patches = l.fromGrid(latent); // (B, T, C)
      float[] p = patches.toFloatArray();
      for (int bi = 0; bi < b; bi++) {
        for (int c = 0; c < 4; c++) {
          for (int row = 0; row < 3; row++) {
            for (int col = 0; col < 3; col++) {
              assertEquals(grid[((bi * 4 + c) * 3 + row) * 3 + col], p[(bi * 9 + row * 3 + col) * 4 + c]);
            }
          }
        }
      }
      assertArrayEquals(grid, l.toGrid(patches).toFloatArray());
      NDArray queries = m.arange(0f, 16f).reshape(b, 2, 4).neg(); // (B, Q, C)
      NDArray joint = l.join(queries, patches);
      l.check(joint, "joint");
      assertEquals(queries, l.splitQueries(joint));
      assertEquals(patches, l.splitPatches(joint));
      assertEquals(queries.get(1, 0), joint.get(1, 0));
      assertThrows(IllegalArgumentException.class, () -> l.check(patches, "patches"));
      LatentLayout rae = new LatentLayout(0, 3, 4);
      assertEquals(patches, rae.join(null, patches));
      assertEquals(patches, rae.splitPatches(patches));
    }
  }
}
