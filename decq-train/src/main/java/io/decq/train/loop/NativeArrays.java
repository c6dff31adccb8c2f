package io.decq.train.loop;

import ai.djl.ndarray.NDManager;

/**
 * Counts the native arrays alive in the whole DJL manager tree, the measure of native-memory leaks: an
 * array stays alive until it or its manager is closed, so a count that grows with the steps is a leak.
 */
public final class NativeArrays {
  private NativeArrays() {}

  /** Arrays attached to any manager of the tree {@code any} belongs to (walks up to the root, then down). */
  public static int live(NDManager any) {
    NDManager root = any;
    while (root.getParentManager() != null) {
      root = root.getParentManager();
    }
    return root.getManagedArrays().size();
  }
}
