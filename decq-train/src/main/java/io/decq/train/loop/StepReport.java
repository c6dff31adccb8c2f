package io.decq.train.loop;

import java.util.Map;

/**
 * One finished step, as the loop hands it to {@link StepListener}s.
 *
 * @param step the optimizer step just taken
 * @param loss the total loss
 * @param terms the named loss terms
 * @param lr the learning rate used
 * @param gradNorm the global gradient norm before clipping
 */
public record StepReport(long step, double loss, Map<String, Double> terms, double lr, double gradNorm) {}
