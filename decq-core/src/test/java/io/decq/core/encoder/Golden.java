package io.decq.core.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import io.decq.core.config.EncoderConfig;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** The reference ("golden") encoder cases under {@code decq.golden.dir}, and comparison helpers. */
final class Golden {
  private Golden() {}

  static Path dir() {
    return Path.of(System.getProperty("decq.golden.dir", "../src-test-data/golden"));
  }

  static Path file(String name) {
    return dir().resolve(name);
  }

  static Map<String, HostTensor> tensors(String name) {
    return SafeTensors.read(file(name));
  }

  /** The DINOv2-with-registers case's architecture (its config.json). */
  static HfVisionConfig dinov2Config() {
    return HfVisionConfig.read(file("dinov2_reg_config.json"));
  }

  /** The SigLIP case's architecture (its config.json). */
  static HfVisionConfig siglipConfig() {
    return HfVisionConfig.read(file("siglip_vision_config.json"));
  }

  static FrozenEncoder dinov2() {
    return FrozenEncoder.fromWeights(dinov2Config(),
        tensors("dinov2_reg_model.safetensors"), "golden dinov2", EncoderConfig.defaults(), Device.cpu());
  }

  static FrozenEncoder siglip() {
    return FrozenEncoder.fromWeights(siglipConfig(),
        tensors("siglip_vision_model.safetensors"), "golden siglip", EncoderConfig.defaults(), Device.cpu());
  }

  /** Asserts equal shapes and max |actual - expected| <= tol, printing the difference; returns it. */
  static double assertClose(String what, HostTensor expected, NDArray actual, double tol) {
    assertArrayEquals(expected.shape(), actual.getShape().getShape(), what + ": shape");
    return assertClose(what, expected.toDoubles(), toDoubles(actual.toFloatArray()), tol);
  }

  static double assertClose(String what, double[] expected, double[] actual, double tol) {
    double max = 0;
    double scale = 0;
    for (int i = 0; i < expected.length; i++) {
      max = Math.max(max, Math.abs(expected[i] - actual[i]));
      scale = Math.max(scale, Math.abs(expected[i]));
    }
    System.out.printf(Locale.ROOT, "%-48s max|diff| %.3g (|ref| <= %.3g, bound %.1g)%n", what, max, scale, tol);
    assertTrue(max <= tol, what + ": max |diff| " + max + " > " + tol);
    return max;
  }

  static double[] toDoubles(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }
}
