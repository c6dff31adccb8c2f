package io.decq.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.decq.core.config.TrainConfig;
import io.decq.core.error.BadInputException;
import io.decq.core.io.HostTensor;
import io.decq.core.nn.NoGrad;
import io.decq.train.Tensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW with decoupled weight decay (Loshchilov and Hutter), the arithmetic of {@code torch.optim.AdamW}:
 *
 * <pre>
 *   p  = p * (1 - lr * wd)                       (decaying parameters only)
 *   m  = beta1 * m + (1 - beta1) * g
 *   v  = beta2 * v + (1 - beta2) * g^2
 *   p  = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 *
 * Updates run in place on the parameters' arrays with gradient recording off; each temporary is closed
 * at once. The state (m, v per parameter, and t) is saved and restored exactly; unlike DJL's
 * optimizers it is keyed by parameter name.
 */
@SuppressWarnings("try") // NoGrad and NDScope regions are opened for their effect, not used in the body
public final class AdamW implements AutoCloseable {
  private final Map<String, Parameter> params;
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private final Map<String, Boolean> decays = new LinkedHashMap<>();
  private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
  private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
  private final NDManager manager;
  private long steps;

  /**
   * @param params trainable parameters by name (initialised)
   * @param groups which of them decay
   * @param manager parent of the manager that owns the state (on the parameters' device)
   */
  public AdamW(Map<String, Parameter> params, double beta1, double beta2, double eps, double weightDecay,
      ParamGroups groups, NDManager manager) {
    Tensors.requireTrainable(params);
    this.params = new LinkedHashMap<>(params);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.manager = manager.newSubManager();
    for (Map.Entry<String, Parameter> e : this.params.entrySet()) {
      NDArray w = e.getValue().getArray();
      decays.put(e.getKey(), groups.decays(e.getKey(), w.getShape()));
      expAvg.put(e.getKey(), zerosLike(w));
      expAvgSq.put(e.getKey(), zerosLike(w));
    }
  }

  /** The optimizer {@code train.*} describes. */
  public static AdamW of(Map<String, Parameter> params, TrainConfig train, NDManager manager) {
    return new AdamW(params, train.betas().get(0), train.betas().get(1), train.eps(), train.weightDecay(),
        ParamGroups.of(train), manager);
  }

  private NDArray zerosLike(NDArray w) {
    NDArray z = w.zerosLike();
    z.attach(manager);
    return z;
  }

  /** One update with learning rate {@code lr} from the parameters' current gradients. */
  public void step(double lr) {
    steps++;
    double bc1 = 1 - Math.pow(beta1, steps);
    double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, steps));
    float stepSize = (float) (lr / bc1);
    try (NoGrad ng = NoGrad.enter()) {
      for (Map.Entry<String, Parameter> e : params.entrySet()) {
        String name = e.getKey();
        NDArray p = e.getValue().getArray();
        NDArray m = expAvg.get(name);
        NDArray v = expAvgSq.get(name);
        try (NDArray g = p.getGradient()) {
          if (weightDecay > 0 && decays.get(name)) {
            p.muli((float) (1 - lr * weightDecay));
          }
          try (NDArray t = g.mul((float) (1 - beta1))) {
            m.muli((float) beta1).addi(t);
          }
          try (NDArray t = g.square()) {
            v.muli((float) beta2).addi(t.muli((float) (1 - beta2)));
          }
          try (NDArray denom = v.sqrt(); NDArray update = m.div(denom.divi((float) bc2Sqrt).addi((float) eps))) {
            p.subi(update.muli(stepSize));
          }
        }
      }
    }
  }

  /** Updates taken so far (t). */
  public long steps() {
    return steps;
  }

  /** Names of the parameters that get weight decay, in order. */
  public List<String> decayed() {
    List<String> out = new ArrayList<>();
    decays.forEach((k, d) -> {
      if (d) {
        out.add(k);
      }
    });
    return out;
  }

  /** Names of the parameters exempt from weight decay, in order. */
  public List<String> notDecayed() {
    List<String> out = new ArrayList<>(params.keySet());
    out.removeAll(decayed());
    return out;
  }

  /** The state as host tensors: {@code NAME.exp_avg} and {@code NAME.exp_avg_sq} for each parameter. */
  public Map<String, HostTensor> state() {
    Map<String, HostTensor> out = new LinkedHashMap<>();
    for (String name : params.keySet()) {
      out.put(name + ".exp_avg", HostTensor.of(expAvg.get(name)));
      out.put(name + ".exp_avg_sq", HostTensor.of(expAvgSq.get(name)));
    }
    return out;
  }

  /** Hyper-parameters and the step count, for the safetensors metadata. */
  public Map<String, String> metadata() {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("optimizer", "adamw");
    out.put("step", Long.toString(steps));
    out.put("beta1", Double.toString(beta1));
    out.put("beta2", Double.toString(beta2));
    out.put("eps", Double.toString(eps));
    out.put("weight_decay", Double.toString(weightDecay));
    return out;
  }

  /**
   * Restores the state saved by {@link #state()} and the step count.
   *
   * @throws BadInputException when a tensor is missing or has another shape
   */
  public void load(Map<String, HostTensor> state, long steps, Path file) {
    try (NoGrad ng = NoGrad.enter()) {
      for (String name : params.keySet()) {
        Tensors.load(expAvg.get(name), require(state, name + ".exp_avg", file), name + ".exp_avg", file);
        Tensors.load(expAvgSq.get(name), require(state, name + ".exp_avg_sq", file), name + ".exp_avg_sq", file);
      }
    }
    this.steps = steps;
  }

  static HostTensor require(Map<String, HostTensor> tensors, String key, Path file) {
    HostTensor t = tensors.get(key);
    if (t == null) {
      throw new BadInputException(file + ": has no tensor '" + key + "' (" + tensors.size()
          + " tensors; was it written for another model?)");
    }
    return t;
  }

  @Override
  public void close() {
    manager.close();
  }
}
