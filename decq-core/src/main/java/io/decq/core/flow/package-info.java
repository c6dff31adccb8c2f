/**
 * Flow matching on the joint latent, shared by stage-2 training and sampling: the path and its time
 * convention ({@link io.decq.core.flow.FlowPath}: t = 0 data, t = 1 noise, target eps - x), training
 * times ({@link io.decq.core.flow.TimeSampler}, {@link io.decq.core.flow.TimeShift}), the loss ({@link
 * io.decq.core.flow.FlowLoss}), sampling grids ({@link io.decq.core.flow.TimeGrid}), ODE solvers ({@link
 * io.decq.core.flow.OdeSolver}) over a {@link io.decq.core.flow.VelocityModel}, guidance ({@link
 * io.decq.core.flow.Guidance}) and per-sample starting noise ({@link io.decq.core.flow.SampleNoise}).
 * Semantics and float32 arithmetic follow RAE's {@code src/stage2/transport} (see
 * {@code src-test-data/golden/rae/README.md}).
 */
package io.decq.core.flow;
