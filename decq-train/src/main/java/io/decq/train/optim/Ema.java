package io.decq.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.decq.core.io.HostTensor;
import io.decq.core.nn.NoGrad;
import io.decq.train.Tensors;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Exponential moving average of the trainable weights, updated after every optimizer step:
 * {@code ema = decay * ema + (1 - decay) * w}, starting from a copy of the initial weights (as DiT and
 * RAE do). Held in its own arrays (no gradient) on the weights' device.
 */
@SuppressWarnings("try") // NoGrad and NDScope regions are opened for their effect, not used in the body
public final class Ema implements AutoCloseable {
  private final Map<String, Parameter> params;
  private final Map<String, NDArray> shadow = new LinkedHashMap<>();
  private final double decay;
  private final NDManager manager;

  /** Starts the average at the parameters' current values. */
  public Ema(Map<String, Parameter> params, double decay, NDManager manager) {
    if (!(decay >= 0 && decay < 1)) {
      throw new IllegalArgumentException("EMA decay must be in [0, 1), got " + decay);
    }
    this.params = new LinkedHashMap<>(params);
    this.decay = decay;
    this.manager = manager.newSubManager();
    try (NoGrad ng = NoGrad.enter()) {
      for (Map.Entry<String, Parameter> e : this.params.entrySet()) {
        NDArray copy = e.getValue().getArray().duplicate();
        copy.attach(this.manager);
        shadow.put(e.getKey(), copy);
      }
    }
  }

  /** {@code ema = decay * ema + (1 - decay) * w} for every parameter, in place. */
  public void update() {
    try (NoGrad ng = NoGrad.enter()) {
      for (Map.Entry<String, Parameter> e : params.entrySet()) {
        try (NDArray t = e.getValue().getArray().mul((float) (1 - decay))) {
          shadow.get(e.getKey()).muli((float) decay).addi(t);
        }
      }
    }
  }

  public double decay() {
    return decay;
  }

  /** The averaged weights by name (read-only view; the arrays are this object's). */
  public Map<String, NDArray> weights() {
    return Collections.unmodifiableMap(shadow);
  }

  /** Host copies of the averaged weights. */
  public Map<String, HostTensor> state() {
    return Tensors.toHost(shadow);
  }

  /** Restores averaged weights saved by {@link #state()}. */
  public void load(Map<String, HostTensor> state, Path file) {
    try (NoGrad ng = NoGrad.enter()) {
      for (String name : params.keySet()) {
        Tensors.load(shadow.get(name), AdamW.require(state, name, file), name, file);
      }
    }
  }

  /**
   * Runs {@code body} with the averaged weights in the parameters, then puts the trained weights back
   * (bitwise); used to render previews or evaluate with the EMA model.
   */
  public <T> T withAveragedWeights(Supplier<T> body) {
    swap();
    try {
      return body.get();
    } finally {
      swap();
    }
  }

  private void swap() {
    try (NoGrad ng = NoGrad.enter()) {
      for (Map.Entry<String, Parameter> e : params.entrySet()) {
        NDArray w = e.getValue().getArray();
        NDArray s = shadow.get(e.getKey());
        try (NDArray tmp = w.duplicate()) {
          Tensors.copyInto(w, s);
          Tensors.copyInto(s, tmp);
        }
      }
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
