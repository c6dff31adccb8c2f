package io.decq.core.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

/** The matmul-rate measurement counts 2 N^3 FLOPs per product and reports a finite positive rate. */
class MatmulPeakTest {
  @Test
  void countsTwoNCubedPerProduct() {
    MatmulPeak.Result r = MatmulPeak.measure(Device.cpu(), 192, 4, 1);
    assertEquals(4L * 2 * 192 * 192 * 192, r.flops());
    assertTrue(r.seconds() > 0 && Double.isFinite(r.gflopsPerSecond()) && r.gflopsPerSecond() > 0, r.toString());
    assertTrue(r.fastestSeconds() > 0 && r.fastestSeconds() <= r.seconds() / r.repeats(), r.toString());
    assertTrue(r.bestGflopsPerSecond() >= r.gflopsPerSecond(), r.toString());
    System.out.printf("fp32 matmul 192^3 x 4: mean %.2f, fastest %.2f GFLOP/s%n", r.gflopsPerSecond(),
        r.bestGflopsPerSecond());
  }
}
