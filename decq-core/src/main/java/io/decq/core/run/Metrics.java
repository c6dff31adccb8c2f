package io.decq.core.run;

import java.util.List;

/**
 * The columns of a run's {@code metrics.jsonl} (one JSON object per logged step), written by the
 * training loop and read by reports. Each loss term adds a column under its own name (e.g. {@code l1}).
 */
public final class Metrics {
  /** The file name, in the run directory. */
  public static final String FILE = "metrics.jsonl";
  /** The optimizer step the row ends at. */
  public static final String STEP = "step";
  /** Epochs done, fractional. */
  public static final String EPOCH = "epoch";
  /** The total loss, mean over the logging window. */
  public static final String LOSS = "loss";
  /** The learning rate at the row's step. */
  public static final String LR = "lr";
  /** The global gradient norm before clipping, mean over the window. */
  public static final String GRAD_NORM = "grad_norm";
  /** Training throughput over the window. */
  public static final String IMAGES_PER_S = "images_per_s";
  /** The fraction of the window's time spent waiting for batches. */
  public static final String DATA_WAIT = "data_wait";
  /** Stage 2: the flow-matching MSE over the patch tokens, mean over the window. */
  public static final String FLOW_PATCHES = "mse_patches";
  /** Stage 2: the flow-matching MSE over the query tokens (absent with 0 queries), mean over the window. */
  public static final String FLOW_QUERIES = "mse_queries";
  /** The columns every row has besides the loss terms, in the order they are written. */
  public static final List<String> FIXED = List.of(STEP, EPOCH, LOSS, LR, GRAD_NORM, IMAGES_PER_S, DATA_WAIT);

  private Metrics() {}
}
