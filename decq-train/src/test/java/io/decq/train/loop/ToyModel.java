package io.decq.train.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.decq.core.config.ConfigLoader;
import io.decq.core.config.DecqConfig;
import io.decq.core.io.HostTensor;
import io.decq.train.data.HostBatch;
import java.nio.file.Path;
import java.util.ArrayList;
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

  /**
   * A toy run's config: the settings every loop test shares, then {@code overrides} ({@code key.path=value}
   * as {@code --set} takes them, e.g. {@code "train.max_steps=12"}), over {@code images} cropped to
   * {@code side} x {@code side}.
   */
  static DecqConfig config(Path images, int side, String... overrides) {
    List<String> all = new ArrayList<>(List.of("data.path=" + images, "data.image_size=" + side));
    all.addAll(List.of(overrides));
    return ConfigLoader.fromYaml("""
        train:
          betas: [0.9, 0.95]
          eps: 1.0e-8
          weight_decay: 0.01
          warmup_steps: 0
          lr_schedule: cosine
          grad_clip: 0.0
          ema_decay: 0.9
          keep_last: 0
          preview_every: 0
          preview_ema: true
        data:
          resize: 0
          crop: random
          hflip: true
          num_workers: 2
          prefetch: 3
          val_count: 4
        """, all.toArray(String[]::new));
  }

  @Override
  public void close() {
    manager.close();
  }
}
