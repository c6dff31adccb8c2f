package io.decq.core.config;

/** Which weights of a training checkpoint a model is loaded with. */
public enum CheckpointWeights {
  /** The exponential moving average of the weights ({@code ema.safetensors}), what finished runs are used with. */
  EMA,
  /** The weights the optimizer trained ({@code model.safetensors}). */
  RAW
}
