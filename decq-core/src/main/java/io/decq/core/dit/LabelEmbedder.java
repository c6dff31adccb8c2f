package io.decq.core.dit;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import io.decq.core.nn.DecqBlock;
import io.decq.core.nn.Init;

/**
 * RAE's {@code LabelEmbedder}: a table of K + 1 rows ({@code embedding_table.weight}), row K the null
 * class that classifier-free guidance and label dropout use. Label dropout is the trainer's job (it
 * replaces labels by K before the call), so the model's output depends on its inputs only.
 *
 * <p>Dimensions: B batch, K classes, D width.
 */
final class LabelEmbedder extends DecqBlock {
  private final Parameter table;

  LabelEmbedder(int numClasses, long dim) {
    table = param("embedding_table.weight", Init.normal(0.02), numClasses + 1L, dim);
  }

  /** (B) int64 labels in [0, K] -> (B, D). */
  NDArray forward(NDArray labels) {
    NDArray rows = value(table).get(labels); // (B, D)
    rows.attach(labels.getManager());
    return rows;
  }
}
