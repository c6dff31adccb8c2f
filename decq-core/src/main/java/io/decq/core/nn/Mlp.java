package io.decq.core.nn;

import ai.djl.ndarray.NDArray;

/**
 * The transformer feed-forward: {@code fc2(act(fc1(x)))}. Child names follow the reference ({@code
 * fc1}/{@code fc2} in HF DINOv2/SigLIP, {@code intermediate.dense}/{@code output.dense} in ViTMAE).
 */
public final class Mlp extends DecqBlock {
  private final Linear fc1;
  private final Linear fc2;
  private final Activations.Kind act;

  public Mlp(long dim, long hidden, Activations.Kind act, String fc1Name, String fc2Name) {
    this.fc1 = child(fc1Name, new Linear(dim, hidden, true));
    this.fc2 = child(fc2Name, new Linear(hidden, dim, true));
    this.act = act;
  }

  /** (..., D) -> (..., D). */
  public NDArray forward(NDArray x) {
    return fc2.forward(Activations.apply(act, fc1.forward(x)));
  }
}
