package io.decq.train.loop;

/**
 * The model-specific part of a training step: the forward pass and the loss, run inside the gradient
 * collector. Create the step's arrays with {@code ctx.manager()} (operations belong to the manager of
 * their first operand: write {@code x.mul(weight)}, not {@code weight.mul(x)}).
 *
 * @param <B> the batch type
 */
@FunctionalInterface
public interface StepFunction<B> {
  StepLoss compute(StepContext ctx, B batch);
}
