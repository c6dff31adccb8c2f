package io.decq.train.recon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.decq.core.config.LossConfig;
import io.decq.train.loop.StepContext;
import io.decq.train.loop.StepLoss;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The weighted sum of named terms, on values worked out by hand. */
class ReconLossTest {
  /** The total and each term's value and name, read before the arrays are freed. */
  record Values(float total, List<String> names, List<Float> terms) {}

  /** Reconstruction {0.5, 1.0, 0.0, 0.25} against target 0: L1 = 1.75 / 4 = 0.4375, L2 = 1.3125 / 4 = 0.328125. */
  private static Values compute(ReconLoss loss) {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray recon = m.create(new float[] {0.5f, 1.0f, 0.0f, 0.25f}, new Shape(1, 1, 2, 2));
      NDArray target = m.zeros(new Shape(1, 1, 2, 2));
      StepLoss out = loss.compute(recon, target, new StepContext(m, 1, 1, 0, new Random(0)));
      return new Values(out.total().getFloat(), List.copyOf(out.terms().keySet()),
          out.terms().values().stream().map(NDArray::getFloat).toList());
    }
  }

  @Test
  void l1AloneIsTheMeanAbsoluteError() {
    Values v = compute(ReconLoss.of(LossConfig.of(1.0, 0.0)));
    assertEquals(0.4375f, v.total(), 1e-7f);
    assertEquals(List.of("l1"), v.names());
  }

  @Test
  void termsAreWeightedAndLoggedUnweightedInOrder() {
    Values v = compute(ReconLoss.of(LossConfig.of(2.0, 0.5)));
    assertEquals(2.0f * 0.4375f + 0.5f * 0.328125f, v.total(), 1e-6f);
    assertEquals(List.of("l1", "l2"), v.names());
    assertEquals(0.4375f, v.terms().get(0), 1e-7f);
    assertEquals(0.328125f, v.terms().get(1), 1e-7f);
  }

  @Test
  void moreTermsAppendInOrderUnderNewNames() {
    ReconLoss base = ReconLoss.of(LossConfig.of(1.0, 0.0));
    ReconLoss more = base.with("max", 3.0, (r, t, ctx) -> r.sub(t).abs().max());
    Values v = compute(more);
    assertEquals(0.4375f + 3.0f * 1.0f, v.total(), 1e-6f);
    assertEquals(List.of("l1", "max"), v.names());
    assertEquals(List.of("l1"), List.copyOf(base.terms().keySet()), "with() leaves the original unchanged");
    assertThrows(IllegalArgumentException.class, () -> more.with("l1", 1.0, (r, t, ctx) -> r.sum()));
    assertThrows(IllegalArgumentException.class, () -> base.with("zero", 0.0, (r, t, ctx) -> r.sum()));
  }
}
