package io.decq.eval.fid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.decq.core.error.BadInputException;
import org.junit.jupiter.api.Test;

/** Inception Score on inputs whose score is known in closed form. */
class InceptionScoreTest {
  private static final int CLASSES = FidInception.NUM_CLASSES;

  @Test
  void identicalPredictionsScoreOne() {
    int n = 40;
    float[] logits = new float[n * CLASSES];
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < CLASSES; c++) {
        logits[i * CLASSES + c] = (float) Math.sin(c);
      }
    }
    InceptionScore s = InceptionScore.compute(logits, n, CLASSES, 10);
    assertEquals(1.0, s.mean(), 1e-12);
    assertEquals(0.0, s.std(), 1e-12);
  }

  /** Confident, evenly spread predictions over 5 classes in every split: the score is 5. */
  @Test
  void confidentEvenPredictionsScoreTheNumberOfClasses() {
    int n = 50;
    float[] logits = new float[n * CLASSES];
    for (int i = 0; i < n; i++) {
      logits[i * CLASSES + (i % 5) * 7] = 60f;
    }
    InceptionScore s = InceptionScore.compute(logits, n, CLASSES, 10);
    assertEquals(5.0, s.mean(), 1e-9);
    assertEquals(0.0, s.std(), 1e-9);
  }

  /** Two rows p = (1/4, 3/4) and (3/4, 1/4): q = (1/2, 1/2), KL = 1/4 ln(1/2) + 3/4 ln(3/2) for both. */
  @Test
  void twoClassCaseMatchesTheClosedForm() {
    float ln3 = (float) Math.log(3);
    float[] logits = {0f, ln3, ln3, 0f};
    InceptionScore s = InceptionScore.compute(logits, 2, 2, 1);
    double p = 1 / (1 + Math.exp(-(double) ln3)); // softmax of the float32 logit
    double kl = (1 - p) * Math.log((1 - p) / 0.5) + p * Math.log(p / 0.5);
    assertEquals(Math.exp(kl), s.mean(), 1e-12);
  }

  @Test
  void splitsDifferWhenTheirSamplesDo() {
    int n = 20;
    float[] logits = new float[n * CLASSES];
    for (int i = 0; i < n; i++) {
      int classes = i < 10 ? 1 : 2; // first half: one class per split; second half: two classes per split
      logits[i * CLASSES + (i % classes)] = 60f;
    }
    InceptionScore s = InceptionScore.compute(logits, n, CLASSES, 10);
    assertEquals(1.5, s.mean(), 1e-9);
    assertEquals(0.5, s.std(), 1e-9);
    assertTrue(s.splits() == 10);
  }

  @Test
  void fewerSamplesThanSplitsIsBadInput() {
    BadInputException e = assertThrows(BadInputException.class,
        () -> InceptionScore.compute(new float[5 * CLASSES], 5, CLASSES, 10));
    assertTrue(e.getMessage().contains("at least 10 samples"), e.getMessage());
  }
}
