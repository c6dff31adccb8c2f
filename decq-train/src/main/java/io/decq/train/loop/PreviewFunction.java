package io.decq.train.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Renders the images of a preview grid, without gradients: e.g. fixed validation images above their
 * reconstructions. Create arrays with {@code manager}; it is closed after the grid is written.
 */
@FunctionalInterface
public interface PreviewFunction {
  /** Images {@code (N, 3, H, W)}: floats in [0, 1] or uint8; tiled row by row into the grid. */
  NDArray render(NDManager manager, long step);
}
