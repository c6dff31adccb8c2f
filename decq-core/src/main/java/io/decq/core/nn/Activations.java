package io.decq.core.nn;

import ai.djl.ndarray.NDArray;

/** Activation functions with the exact definitions the references use. */
public final class Activations {
  private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

  private Activations() {}

  /** The activations a config can name. */
  public enum Kind {
    /** Exact GELU, x * Phi(x) with erf (torch {@code F.gelu}, HF "gelu"). */
    GELU,
    /** GELU with the tanh approximation (HF "gelu_pytorch_tanh"). */
    GELU_TANH,
    SILU;

    /** The activation for a Hugging Face {@code hidden_act} string. */
    public static Kind fromHf(String name) {
      return switch (name) {
        case "gelu" -> GELU;
        case "gelu_pytorch_tanh", "gelu_new", "gelu_fast" -> GELU_TANH;
        case "silu", "swish" -> SILU;
        default -> throw new IllegalArgumentException("unsupported hidden_act '" + name + "' (gelu, gelu_pytorch_tanh, silu)");
      };
    }
  }

  public static NDArray apply(Kind kind, NDArray x) {
    return switch (kind) {
      case GELU -> gelu(x);
      case GELU_TANH -> geluTanh(x);
      case SILU -> silu(x);
    };
  }

  /** Exact GELU: {@code 0.5 x (1 + erf(x / sqrt 2))}. */
  public static NDArray gelu(NDArray x) {
    return x.getNDArrayInternal().gelu();
  }

  /** {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}. */
  public static NDArray geluTanh(NDArray x) {
    NDArray inner = x.add(x.pow(3).mul(0.044715f)).mul((float) SQRT_2_OVER_PI);
    return x.mul(inner.tanh().add(1f)).mul(0.5f);
  }

  /** {@code x * sigmoid(x)}. */
  public static NDArray silu(NDArray x) {
    return x.mul(x.getNDArrayInternal().sigmoid());
  }
}
