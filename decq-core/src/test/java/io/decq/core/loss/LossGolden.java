package io.decq.core.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** The losses case ({@code <decq.golden.dir>/losses}, see its README) and comparison helpers. */
final class LossGolden {
  private LossGolden() {}

  static Path dir() {
    return Path.of(System.getProperty("decq.golden.dir", "../src-test-data/golden"), "losses");
  }

  static Path file(String name) {
    return dir().resolve(name);
  }

  static Map<String, HostTensor> tensors(String name) {
    return SafeTensors.read(file(name));
  }

  static JsonObject caseJson() {
    try {
      return JsonParser.parseString(Files.readString(file("case.json"))).getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Asserts equal shapes and max |actual - expected| <= tol, printing the difference; returns it. */
  static double assertClose(String what, HostTensor expected, NDArray actual, double tol) {
    assertArrayEquals(expected.shape(), actual.getShape().getShape(), what + ": shape");
    return assertClose(what, expected.toDoubles(), doubles(actual), tol);
  }

  static double assertClose(String what, double[] expected, double[] actual, double tol) {
    double max = 0;
    double scale = 0;
    for (int i = 0; i < expected.length; i++) {
      max = Math.max(max, Math.abs(expected[i] - actual[i]));
      scale = Math.max(scale, Math.abs(expected[i]));
    }
    System.out.printf(Locale.ROOT, "%-44s max|diff| %.3g (|ref| <= %.3g, bound %.1g)%n", what, max, scale, tol);
    assertTrue(max <= tol, what + ": max |diff| " + max + " > " + tol);
    return max;
  }

  /** Scalar comparison. */
  static double assertClose(String what, double expected, double actual, double tol) {
    return assertClose(what, new double[] {expected}, new double[] {actual}, tol);
  }

  /** Asserts ||actual - expected|| / ||expected|| <= tol, printing it; returns it. */
  static double assertRelL2(String what, HostTensor expected, NDArray actual, double tol) {
    assertArrayEquals(expected.shape(), actual.getShape().getShape(), what + ": shape");
    double[] e = expected.toDoubles();
    double[] a = doubles(actual);
    double num = 0;
    double den = 0;
    for (int i = 0; i < e.length; i++) {
      num += (a[i] - e[i]) * (a[i] - e[i]);
      den += e[i] * e[i];
    }
    double rel = Math.sqrt(num / den);
    System.out.printf(Locale.ROOT, "%-44s rel-L2 %.3g (bound %.1g)%n", what, rel, tol);
    assertTrue(rel <= tol, what + ": rel-L2 " + rel + " > " + tol);
    return rel;
  }

  static double[] doubles(NDArray a) {
    float[] f = a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }
}
