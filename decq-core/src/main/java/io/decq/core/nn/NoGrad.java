package io.decq.core.nn;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Turns libtorch's gradient recording off for the current thread until closed, then restores it.
 * PyTorch's grad mode is per thread and on by default in every thread but the one that loaded the
 * engine; in-place updates of parameters that require gradients are only allowed with it off.
 */
public final class NoGrad implements AutoCloseable {
  private final boolean previous;

  private NoGrad() {
    previous = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
  }

  /** Starts a no-gradient region: {@code try (NoGrad ng = NoGrad.enter()) { ... }}. */
  public static NoGrad enter() {
    return new NoGrad();
  }

  @Override
  public void close() {
    JniUtils.setGradMode(previous);
  }
}
