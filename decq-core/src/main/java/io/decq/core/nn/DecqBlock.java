package io.decq.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.decq.core.io.HostTensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * Base of every DecQ block: a DJL {@link AbstractBlock} whose children and parameters carry the names of
 * the reference checkpoints, so {@link #namedParameters()} yields exactly the reference state-dict keys
 * ({@code encoder.layer.0.attention.attention.query.weight}) and loading a checkpoint is a lookup, not a
 * puzzle.
 *
 * <p>Life cycle: the constructor declares children ({@link #child}) and parameters ({@link #param}) with
 * their shapes and initialisers; {@link #materialize} allocates every parameter on one device (values
 * drawn in Java, reproducible on CPU and GPU); {@link #loadStateDict} overwrites them from a weight file.
 * Blocks read their parameters directly ({@link #value}); the {@link ParameterStore} of DJL's {@code
 * forward} is not used (one model lives on one device).
 */
public abstract class DecqBlock extends AbstractBlock {
  private final Map<String, Block> named = new LinkedHashMap<>();
  private final Map<String, Spec> specs = new LinkedHashMap<>();

  private record Spec(Parameter parameter, long[] shape, Init init, boolean trainable) {}

  /** Registers a child block under {@code name} (may contain dots, e.g. {@code attention.query}). */
  protected final <B extends Block> B child(String name, B block) {
    named.put(name, block);
    return addChildBlock(name, block);
  }

  /** Declares a trainable parameter. */
  protected final Parameter param(String name, Init init, long... shape) {
    return param(name, init, true, shape);
  }

  /** Declares a parameter; {@code trainable = false} for fixed tables (sin-cos positions) kept in checkpoints. */
  protected final Parameter param(String name, Init init, boolean trainable, long... shape) {
    Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.OTHER).optRequiresGrad(trainable).build();
    specs.put(name, new Spec(p, shape.clone(), init, trainable));
    return addParameter(p);
  }

  /** The array of a parameter of this block (allocated by {@link #materialize}). */
  protected static NDArray value(Parameter p) {
    if (!p.isInitialized()) {
      throw new IllegalStateException("parameter '" + p.getName() + "' is not materialized; call materialize() first");
    }
    return p.getArray();
  }

  /** Every parameter of this block and its descendants, by dotted name, in declaration order. */
  public final LinkedHashMap<String, Parameter> namedParameters() {
    LinkedHashMap<String, Parameter> out = new LinkedHashMap<>();
    collect("", out, false);
    return out;
  }

  /** The parameters an optimizer updates (trainable and not frozen), by dotted name. */
  public final LinkedHashMap<String, Parameter> trainableParameters() {
    LinkedHashMap<String, Parameter> out = new LinkedHashMap<>();
    collect("", out, true);
    return out;
  }

  /**
   * The state tensors no optimizer updates (fixed tables, running statistics, frozen random draws), by
   * state-dict name: a checkpoint stores them beside {@link #trainableParameters()} so that {@link
   * #loadStateDict} of the whole model finds every key.
   */
  public final Map<String, NDArray> fixedTensors() {
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : namedParameters().entrySet()) {
      if (!e.getValue().requiresGradient()) {
        out.put(e.getKey(), e.getValue().getArray());
      }
    }
    return out;
  }

  private void collect(String prefix, Map<String, Parameter> out, boolean trainableOnly) {
    for (Spec s : specs.values()) {
      if (!trainableOnly || s.parameter().requiresGradient()) {
        out.put(prefix + s.parameter().getName(), s.parameter());
      }
    }
    for (Map.Entry<String, Block> e : named.entrySet()) {
      if (e.getValue() instanceof DecqBlock d) {
        d.collect(prefix + e.getKey() + ".", out, trainableOnly);
      }
    }
  }

  private void collectSpecs(String prefix, Map<String, Spec> out) {
    for (Spec s : specs.values()) {
      out.put(prefix + s.parameter().getName(), s);
    }
    for (Map.Entry<String, Block> e : named.entrySet()) {
      if (e.getValue() instanceof DecqBlock d) {
        d.collectSpecs(prefix + e.getKey() + ".", out);
      }
    }
  }

  /**
   * Allocates every parameter (float32) in {@code manager}, drawing initial values from {@code seed}
   * and the parameter's dotted name; trainable parameters get gradients attached.
   */
  public final void materialize(NDManager manager, long seed) {
    Map<String, Spec> all = new LinkedHashMap<>();
    collectSpecs("", all);
    for (Map.Entry<String, Spec> e : all.entrySet()) {
      Spec s = e.getValue();
      float[] values = new float[Math.toIntExact(HostTensor.numel(s.shape()))];
      s.init().fill(values, s.shape(), new SplittableRandom(seed ^ ((long) e.getKey().hashCode() * 0x9E3779B97F4A7C15L)));
      NDArray a = manager.create(values, new Shape(s.shape()));
      setArray(s.parameter(), a);
    }
  }

  /** Parameter.setArray refuses a second call, so a re-materialization copies into the existing array. */
  private static void setArray(Parameter p, NDArray a) {
    if (!p.isInitialized()) {
      p.setArray(a);
    } else {
      assign(p.getArray(), a);
      a.close();
    }
    p.getArray().setRequiresGradient(p.requiresGradient());
  }

  /**
   * Copies {@code src} into {@code dst} in place (an index-put over the whole array): {@code dst} keeps its
   * native storage, identity and gradient flag. Never use {@code NDArray.set(Buffer)} on a parameter: DJL
   * swaps in a new tensor that aliases the buffer's memory (a use-after-free when that buffer is another
   * array's memory) and drops the gradient flag.
   */
  public static void assign(NDArray dst, NDArray src) {
    boolean grad = dst.hasGradient();
    if (grad) {
      dst.setRequiresGradient(false);
    }
    dst.set(ALL, src);
    if (grad) {
      dst.setRequiresGradient(true);
    }
  }

  private static final ai.djl.ndarray.index.NDIndex ALL = new ai.djl.ndarray.index.NDIndex("...");

  /** Stops gradients for every parameter (a frozen encoder, a fixed discriminator backbone). */
  public final void freezeAll() {
    for (Parameter p : namedParameters().values()) {
      p.freeze(true);
      if (p.isInitialized()) {
        p.getArray().setRequiresGradient(false);
      }
    }
  }

  /**
   * Copies weights from a state dict into the materialized parameters. Missing keys, unexpected keys
   * (unless {@code ignore} accepts them) and shape mismatches are reported together in one bad-input
   * error naming {@code source} ({@link StateDicts#check}).
   */
  public final void loadStateDict(Map<String, HostTensor> state, String source, Predicate<String> ignore) {
    LinkedHashMap<String, Parameter> params = namedParameters();
    Map<String, long[]> expected = new LinkedHashMap<>();
    params.forEach((k, p) -> expected.put(k, p.getArray().getShape().getShape()));
    StateDicts.check(expected, state, source, "the model", ignore);
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      NDArray dst = e.getValue().getArray();
      try (NDArray src = dst.getManager().create(state.get(e.getKey()).toFloats(), dst.getShape())) {
        assign(dst, src);
      }
    }
  }

  /** A host copy of every parameter by dotted name (the reference's state-dict layout). */
  public final LinkedHashMap<String, HostTensor> stateDict() {
    LinkedHashMap<String, HostTensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : namedParameters().entrySet()) {
      out.put(e.getKey(), HostTensor.of(value(e.getValue())));
    }
    return out;
  }

  /** Number of parameter values. */
  public final long parameterCount() {
    Map<String, Spec> all = new LinkedHashMap<>();
    collectSpecs("", all);
    return all.values().stream().mapToLong(s -> HostTensor.numel(s.shape())).sum();
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " is called through its typed forward methods");
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + ": shapes are fixed by its config; see its Javadoc");
  }
}
