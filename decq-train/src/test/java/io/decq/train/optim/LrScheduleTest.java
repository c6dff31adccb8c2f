package io.decq.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.decq.core.config.TrainConfig.Schedule;
import org.junit.jupiter.api.Test;

class LrScheduleTest {
  private static final double LR = 2e-4;
  private static final double FINAL = 2e-5;

  @Test
  void cosineWithWarmup() {
    LrSchedule s = new LrSchedule(Schedule.COSINE, LR, FINAL, 100, 0, 1100);
    assertEquals(LR / 100, s.at(1), 1e-15, "first warm-up step");
    assertEquals(LR / 2, s.at(50), 1e-15, "half-way through the warm-up");
    assertEquals(LR, s.at(100), 1e-15, "end of the warm-up");
    assertEquals((LR + FINAL) / 2, s.at(600), 1e-15, "midpoint of the cosine");
    assertEquals(FINAL + (LR - FINAL) * (1 + Math.cos(Math.PI / 4)) / 2, s.at(350), 1e-15, "quarter");
    assertEquals(FINAL, s.at(1100), 1e-15, "end");
    for (int i = 101; i < 1100; i++) {
      assertTrue(s.at(i + 1) < s.at(i), "decreasing at " + i);
    }
  }

  @Test
  void cosineWithoutWarmupStartsNearThePeak() {
    LrSchedule s = new LrSchedule(Schedule.COSINE, LR, FINAL, 0, 0, 10);
    assertEquals(FINAL + (LR - FINAL) * (1 + Math.cos(Math.PI * 0.1)) / 2, s.at(1), 1e-15);
    assertEquals((LR + FINAL) / 2, s.at(5), 1e-15);
    assertEquals(FINAL, s.at(10), 1e-15);
  }

  @Test
  void constantThenLinear() {
    LrSchedule s = new LrSchedule(Schedule.CONSTANT_LINEAR, LR, FINAL, 10, 400, 1000);
    assertEquals(LR, s.at(10), 1e-15, "end of the warm-up");
    assertEquals(LR, s.at(400), 1e-15, "decay start");
    assertEquals((LR + FINAL) / 2, s.at(700), 1e-15, "midpoint of the decay");
    assertEquals(FINAL, s.at(1000), 1e-15, "end");
    LrSchedule early = new LrSchedule(Schedule.CONSTANT_LINEAR, LR, FINAL, 100, 0, 300);
    assertEquals(LR, early.at(100), 1e-15, "decay waits for the warm-up");
    assertEquals((LR + FINAL) / 2, early.at(200), 1e-15);
  }

  @Test
  void constant() {
    LrSchedule s = new LrSchedule(Schedule.CONSTANT, LR, FINAL, 4, 0, 50);
    assertEquals(LR / 4, s.at(1), 1e-15);
    assertEquals(LR, s.at(4), 1e-15);
    assertEquals(LR, s.at(27), 1e-15);
    assertEquals(LR, s.at(50), 1e-15);
  }
}
