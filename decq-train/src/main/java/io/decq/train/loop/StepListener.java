package io.decq.train.loop;

/** Called after each optimizer step, outside the step's memory scope (e.g. extra evaluation, tests). */
@FunctionalInterface
public interface StepListener {
  void afterStep(StepReport report);
}
