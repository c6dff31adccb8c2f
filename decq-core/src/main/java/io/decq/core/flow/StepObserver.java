package io.decq.core.flow;

import ai.djl.ndarray.NDArray;

/** Sees the states of an {@link OdeSolver} run, e.g. to record a trajectory or report progress. */
@FunctionalInterface
public interface StepObserver {
  /** Observes nothing. */
  StepObserver NONE = (i, t, x) -> {};

  /**
   * Called once per grid point, in order, for i = 0 (the initial state) to {@code grid.length - 1} (the
   * result).
   *
   * @param i grid index
   * @param t the grid time of the state
   * @param x (B, ...) the state at t; valid during the call only (the solver frees it afterwards):
   *     copy what must be kept
   */
  void onState(int i, float t, NDArray x);
}
