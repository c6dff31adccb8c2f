package io.decq.train.optim;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.decq.core.io.HostTensor;
import java.util.Map;

/** Parameters and exact gradients for optimizer tests. */
final class TestParams {
  private TestParams() {}

  static Parameter param(NDManager m, String name, HostTensor value) {
    NDArray a = value.toNDArray(m);
    a.setRequiresGradient(true);
    return Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optArray(a).build();
  }

  static Parameter param(NDManager m, String name, float[] values, long... shape) {
    return param(m, name, HostTensor.ofFloats(shape, values));
  }

  static Parameter zeros(NDManager m, String name, long... shape) {
    return param(m, name, new float[(int) new Shape(shape).size()], shape);
  }

  /** Sets each parameter's gradient to exactly the given values: backward of sum(c * p). */
  static void setGradients(Map<Parameter, HostTensor> grads) {
    Gradients.zero(grads.keySet());
    try (NDManager tmp = NDManager.newBaseManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray loss = null;
      for (Map.Entry<Parameter, HostTensor> e : grads.entrySet()) {
        NDArray c = e.getValue().toNDArray(tmp);
        NDArray term = c.mul(e.getKey().getArray()).sum();
        loss = loss == null ? term : loss.add(term);
      }
      gc.backward(loss);
    }
  }

  static float[] grad(Parameter p) {
    try (NDArray g = p.getArray().getGradient()) {
      return g.toFloatArray();
    }
  }
}
