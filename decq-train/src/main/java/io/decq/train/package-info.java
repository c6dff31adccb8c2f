/**
 * Training: the infrastructure shared by the trainers (model-independent), and the trainers.
 *
 * <ul>
 *   <li>{@link io.decq.train.data}: batches of an image folder ({@link io.decq.core.image.ImageFolder}), uint8
 *       augmentations with torchvision's semantics (PIL-exact bicubic resize, random/center crop, flip),
 *       and a prefetching, deterministic, seekable loader ({@link io.decq.train.data.ImageLoader}).
 *   <li>{@link io.decq.train.optim}: AdamW with savable state and parameter groups, global-norm
 *       clipping, learning-rate schedules, EMA.
 *   <li>{@link io.decq.train.run}: atomic checkpoint writing and metrics.jsonl (the run directory's
 *       layout and reading checkpoints back are decq-core's {@link io.decq.core.run}).
 *   <li>{@link io.decq.train.loop}: {@link io.decq.train.loop.TrainLoop}, which a trainer calls with its
 *       trainable parameters, a batch source and a step function.
 *   <li>{@link io.decq.train.recon}: the stage-1 trainer ({@code decq train recon}); a trained
 *       autoencoder is loaded back by decq-core's {@link io.decq.core.rae.TrainedAutoencoder}.
 *   <li>{@link io.decq.train.cli}: the {@code decq train} command group.
 * </ul>
 *
 * <p>Decisions, and why:
 *
 * <ul>
 *   <li>Random streams are stateless: libtorch's generator and the step's {@code java.util.Random} are
 *       reseeded from (seed, step) at every step, data order from (seed, epoch), augmentations from
 *       (seed, epoch, index) ({@link io.decq.core.util.Seeds}). DJL cannot read or restore libtorch's
 *       generator state, and this way a checkpoint needs only the step and the data position for a
 *       bitwise-exact resume, independent of the number of data workers.
 *   <li>Parameters are restored and EMA weights swapped by an index-put copy into the existing arrays:
 *       {@code NDArray.set(Buffer)} on the CPU makes the tensor alias the Java buffer instead of copying.
 *   <li>Each step runs in a sub-manager and an {@code NDScope}: an operation whose first operand is a
 *       parameter ({@code weight.transpose()}) puts its result in the parameters' manager, and only the
 *       scope frees it. Anything that must outlive a step has to be created before the loop starts.
 *   <li>{@code checkpoints/latest} is a one-line text file naming the newest checkpoint folder, not a
 *       symbolic link, so runs copy between file systems intact.
 *   <li>metrics.jsonl records average the steps since the previous record; the first record after a
 *       resume averages only the steps run since the resume.
 * </ul>
 */
package io.decq.train;
