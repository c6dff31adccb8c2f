package io.decq.core.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.decq.core.config.FlowConfig;

/**
 * Integrates {@code dx/dt = v(x, t, y)} over a time grid (from noise at t = 1 toward data, see {@link
 * FlowPath}); the grid may run in either direction. Each step's temporaries are freed when the step ends
 * (a sub-manager and an {@link NDScope} per step, so arrays that land in the model's manager are freed
 * too): native memory stays flat over the steps. Call it without gradient recording (sampling).
 *
 * <p>The time passed to the model is a (B) float32 tensor filled with the grid time. Dimensions: B batch;
 * "..." any further dims.
 */
@SuppressWarnings("try") // the NDScope of each step is opened for its effect
public abstract class OdeSolver {

  /** The solver a config names. */
  public static OdeSolver of(FlowConfig.Sampler sampler) {
    return switch (sampler) {
      case EULER -> new Euler();
      case HEUN -> new Heun();
    };
  }

  /** Model evaluations for a grid of {@code points} points. */
  public abstract int evaluations(int points);

  /**
   * One step from {@code (x, t0)} to t1. Temporaries may go anywhere: the caller frees them.
   *
   * @param x (B, ...) state at t0
   * @param t0 (B) start time
   * @param t1 (B) end time
   * @param dt {@code t1 - t0} (float32 difference of the grid times)
   * @param y (B) labels
   * @return (B, ...) state at t1
   */
  protected abstract NDArray step(VelocityModel v, NDArray x, NDArray t0, NDArray t1, float dt, NDArray y);

  /**
   * Integrates over the whole grid.
   *
   * @param v the velocity field
   * @param x0 (B, ...) state at {@code grid[0]}; left open and unchanged
   * @param grid the times, at least 2
   * @param y (B) int64 labels, handed to the model unchanged
   * @param observer sees every state, the initial and the final included
   * @return (B, ...) state at the last grid time, owned by x0's manager
   */
  public NDArray integrate(VelocityModel v, NDArray x0, float[] grid, NDArray y, StepObserver observer) {
    if (grid.length < 2) {
      throw new IllegalArgumentException("a time grid needs at least 2 points, got " + grid.length);
    }
    NDManager owner = x0.getManager();
    Shape batch = new Shape(x0.getShape().get(0));
    observer.onState(0, grid[0], x0);
    NDArray x = x0;
    for (int i = 0; i + 1 < grid.length; i++) {
      NDArray next;
      try (NDManager m = owner.newSubManager(x0.getDevice()); NDScope scope = new NDScope()) {
        NDArray t0 = m.full(batch, grid[i], DataType.FLOAT32); // (B)
        NDArray t1 = m.full(batch, grid[i + 1], DataType.FLOAT32); // (B)
        next = step(v, x, t0, t1, grid[i + 1] - grid[i], y); // (B, ...)
        NDScope.unregister(next);
        next.attach(owner);
      }
      if (x != x0) {
        x.close();
      }
      x = next;
      observer.onState(i + 1, grid[i + 1], x);
    }
    return x;
  }

  /** Integrates without an observer. */
  public NDArray integrate(VelocityModel v, NDArray x0, float[] grid, NDArray y) {
    return integrate(v, x0, grid, y, StepObserver.NONE);
  }

  /**
   * Euler's method, RAE's sampler: {@code x_{i+1} = x_i + (t_{i+1} - t_i) v(x_i, t_i)}, with the float32
   * operations of torchdiffeq's fixed-grid Euler ({@code dt} the float32 difference of the grid times).
   * Global error O(h); one model evaluation per step.
   */
  public static final class Euler extends OdeSolver {
    @Override
    public int evaluations(int points) {
      return points - 1;
    }

    @Override
    protected NDArray step(VelocityModel v, NDArray x, NDArray t0, NDArray t1, float dt, NDArray y) {
      return x.add(v.velocity(x, t0, y).mul(dt)); // (B, ...)
    }
  }

  /**
   * Heun's method (explicit trapezoid): {@code d0 = v(x_i, t_i)}, {@code x' = x_i + dt d0}, {@code d1 =
   * v(x', t_{i+1})}, {@code x_{i+1} = x_i + dt (d0 + d1) / 2}. Global error O(h^2); two model evaluations
   * per step, on every step including the last. (EDM falls back to Euler on a last step that ends at
   * sigma = 0, where its denoiser is undefined; a velocity model is defined at every grid time, and RAE's
   * grid ends at t > 0 anyway, so the last step is a full Heun step.)
   */
  public static final class Heun extends OdeSolver {
    @Override
    public int evaluations(int points) {
      return 2 * (points - 1);
    }

    @Override
    protected NDArray step(VelocityModel v, NDArray x, NDArray t0, NDArray t1, float dt, NDArray y) {
      NDArray d0 = v.velocity(x, t0, y); // (B, ...)
      NDArray predicted = x.add(d0.mul(dt)); // (B, ...)
      NDArray d1 = v.velocity(predicted, t1, y); // (B, ...)
      return x.add(d0.add(d1).mul(dt / 2)); // (B, ...)
    }
  }
}
