package io.decq.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import io.decq.core.error.BadInputException;
import io.decq.core.io.DType;
import io.decq.core.io.HostTensor;
import io.decq.core.nn.DecqBlock;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Bitwise copies between device arrays, trainable parameters and host tensors. */
public final class Tensors {
  private Tensors() {}

  /**
   * Copies {@code src} into {@code dst} in place, bit for bit, after checking shape and dtype ({@link
   * DecqBlock#assign}: the array keeps its identity, storage and gradient flag).
   */
  public static void copyInto(NDArray dst, NDArray src) {
    if (!dst.getShape().equals(src.getShape()) || dst.getDataType() != src.getDataType()) {
      throw new IllegalArgumentException("cannot copy " + src.getDataType() + src.getShape() + " into "
          + dst.getDataType() + dst.getShape());
    }
    DecqBlock.assign(dst, src);
  }

  /**
   * Copies a host tensor read from {@code file} into {@code dst} in place.
   *
   * @throws BadInputException when the dtype or shape differs (the file belongs to another model)
   */
  public static void load(NDArray dst, HostTensor src, String name, Path file) {
    long[] want = dst.getShape().getShape();
    if (!Arrays.equals(want, src.shape()) || src.dtype().djl() != dst.getDataType()) {
      throw new BadInputException(file + ": tensor '" + name + "' is " + src + " but the model has "
          + DType.of(dst.getDataType()) + Arrays.toString(want));
    }
    try (NDArray tmp = src.toNDArray(dst.getManager())) {
      copyInto(dst, tmp);
    }
  }

  /** Host copies of the parameters' arrays, by name, in the map's order. */
  public static Map<String, HostTensor> toHost(Map<String, NDArray> arrays) {
    Map<String, HostTensor> out = new LinkedHashMap<>();
    arrays.forEach((k, v) -> out.put(k, HostTensor.of(v)));
    return out;
  }

  /** The parameters' arrays by name, in the map's order. */
  public static Map<String, NDArray> arrays(Map<String, Parameter> params) {
    Map<String, NDArray> out = new LinkedHashMap<>();
    params.forEach((k, p) -> out.put(k, p.getArray()));
    return out;
  }

  /**
   * Checks that every parameter is initialised and trainable, and attaches a gradient to arrays that
   * have none yet.
   *
   * @throws IllegalArgumentException naming the first parameter that cannot be trained
   */
  public static void requireTrainable(Map<String, Parameter> params) {
    if (params.isEmpty()) {
      throw new IllegalArgumentException("no trainable parameters");
    }
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      Parameter p = e.getValue();
      if (!p.isInitialized()) {
        throw new IllegalArgumentException("parameter " + e.getKey() + " is not initialised");
      }
      if (!p.requiresGradient()) {
        throw new IllegalArgumentException("parameter " + e.getKey() + " is frozen; pass only trainable parameters");
      }
      if (!p.getArray().getDataType().isFloating()) {
        throw new IllegalArgumentException("parameter " + e.getKey() + " is " + p.getArray().getDataType() + ", not floating point");
      }
      if (!p.getArray().hasGradient()) {
        p.getArray().setRequiresGradient(true);
      }
    }
  }
}
