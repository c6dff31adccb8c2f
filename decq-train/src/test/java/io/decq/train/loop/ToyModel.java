package io.decq.train.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.decq.core.config.DataConfig;
import io.decq.core.config.DataConfig.Crop;
import io.decq.core.config.DecqConfig;
import io.decq.core.config.TrainConfig;
import io.decq.core.io.HostTensor;
import io.decq.train.data.HostBatch;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A tiny MLP autoencoder of DJL parameters for loop tests: x (B, 3*S*S) in [0, 1] (plus a little
 * per-step noise from libtorch's generator) -> tanh(W1 (x + pos) + b1) -> W2 h + b2; loss = L1 + 0.1 L2.
 * One operation is deliberately written with the parameter first ({@code enc.weight.transpose()}), so
 * its result lands in the parameters' manager and only the loop's NDScope frees it.
 */
final class ToyModel implements AutoCloseable {
  final NDManager manager;
  final Map<String, Parameter> params = new LinkedHashMap<>();
  final int side;
  final int hidden;

  ToyModel(int side, int hidden, long initSeed) {
    this.manager = NDManager.newBaseManager();
    this.side = side;
    this.hidden = hidden;
    int d = 3 * side * side;
    Random r = new Random(initSeed);
    add("pos_embed", r, 0.02, 1, d);
    add("enc.weight", r, Math.sqrt(3.0 / d), hidden, d);
    add("enc.bias", r, 0.0, hidden);
    add("dec.weight", r, Math.sqrt(3.0 / hidden), d, hidden);
    add("dec.bias", r, 0.0, d);
  }

  private void add(String name, Random r, double scale, long... shape) {
    float[] v = new float[(int) new Shape(shape).size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
    }
    NDArray a = HostTensor.ofFloats(shape, v).toNDArray(manager);
    a.setRequiresGradient(true);
    params.put(name, Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optArray(a).build());
  }

  NDArray w(String name) {
    return params.get(name).getArray();
  }

  /** Reconstruction of a uint8 batch (B, 3, S, S), as floats in (B, 3*S*S). */
  NDArray forward(NDArray x) {
    NDArray h = x.add(w("pos_embed")).matMul(w("enc.weight").transpose()).add(w("enc.bias")).tanh(); // (B, hidden)
    return h.matMul(w("dec.weight").transpose()).add(w("dec.bias")); // (B, 3*S*S)
  }

  StepLoss loss(StepContext ctx, HostBatch batch) {
    NDManager m = ctx.manager();
    NDArray x = batch.images(m).toType(DataType.FLOAT32, false).div(255f).reshape(batch.size(), -1); // (B, 3*S*S)
    NDArray noisy = x.add(m.randomNormal(0f, 0.01f, x.getShape(), DataType.FLOAT32));
    NDArray diff = forward(noisy).sub(x);
    NDArray l1 = diff.abs().mean();
    NDArray l2 = diff.square().mean();
    Map<String, NDArray> terms = new LinkedHashMap<>();
    terms.put("l1", l1);
    terms.put("l2", l2);
    return new StepLoss(l1.add(l2.mul(0.1f)), terms);
  }

  /** Preview: the images above their reconstructions. */
  NDArray preview(NDManager m, HostBatch images) {
    NDArray x = images.images(m).toType(DataType.FLOAT32, false).div(255f); // (N, 3, S, S)
    NDArray y = forward(x.reshape(images.size(), -1)).reshape(x.getShape()).clip(0f, 1f);
    return x.concat(y, 0); // (2N, 3, S, S)
  }

  static DecqConfig config(TrainConfig train, DataConfig data) {
    DecqConfig d = DecqConfig.defaults();
    return new DecqConfig(d.encoder(), d.queries(), d.decoder(), d.loss(), d.ae(), d.dit(), d.flow(), train, d.eval(), data);
  }

  static TrainConfig train(int maxSteps, int checkpointEvery, int logEvery, int batch, long seed, double lr, int warmup,
      double gradClip, int keepLast, int previewEvery) {
    TrainConfig t = TrainConfig.defaults();
    return new TrainConfig(maxSteps, checkpointEvery, logEvery, batch, seed, lr, List.of(0.9, 0.95), 1e-8, 0.01,
        t.noDecay(), true, warmup, TrainConfig.Schedule.COSINE, lr / 10, 0, gradClip, 0.9, keepLast, previewEvery, true);
  }

  static DataConfig data(String path, int side) {
    return new DataConfig(path, side, 0, Crop.RANDOM, true, 2, 3, null, 4);
  }

  @Override
  public void close() {
    manager.close();
  }
}
