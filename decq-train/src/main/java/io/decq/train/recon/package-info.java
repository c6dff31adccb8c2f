/**
 * Stage 1: training the DecQ autoencoder to reconstruct images ({@code decq train recon}), and loading a
 * trained one back ({@link io.decq.core.rae.TrainedAutoencoder}).
 *
 * <ul>
 *   <li>{@link io.decq.train.recon.ReconTrainer}: builds the frozen encoder, the autoencoder, the data
 *       stream and the {@link io.decq.train.loop.TrainLoop}; one step is image batch -> frozen encoder ->
 *       noise-augmented joint latent -> decoder -> {@link io.decq.train.recon.ReconLoss}.
 *   <li>{@link io.decq.train.recon.ReconLoss}: an ordered map of named, weighted loss terms (L1, L2 now;
 *       LPIPS is one more term).
 *   <li>{@link io.decq.train.recon.ReconGan}: RAE's discriminator, trained as the loop's extra optimizer
 *       {@code d} from {@code loss.disc_start_epoch}, and the adaptively weighted GAN term of the decoder
 *       loss from {@code loss.gan_start_epoch}.
 *   <li>{@link io.decq.train.data.LatentStatistics}: the patch-latent statistics over the training
 *       folder when no statistics file is given.
 *   <li>{@link io.decq.core.rae.TrainedAutoencoder}: a checkpoint's config, encoder and weights
 *       (EMA or raw) as one object with encode / decode / reconstruct; {@code decq reconstruct}
 *       (decq-eval) and later rFID and stage 2 start from it.
 * </ul>
 *
 * <p>Decisions, and why:
 *
 * <ul>
 *   <li>Without {@code decoder.latent_stats} the trainer computes the patch statistics itself before the
 *       first step (every training image once, resize + center crop, float64 Welford): a run then needs
 *       nothing but images and an encoder, and the statistics are those of its own data. On ImageNet this
 *       is one encoder pass over the training set; a {@code decq stats} file skips it.
 *   <li>Query statistics follow the autoencoder's running estimate (momentum 0.1) during stage 1; stage-1
 *       reconstruction does not depend on them (decode inverts the normalisation), so nothing else is
 *       needed until stage 2.
 *   <li>Checkpoints hold the autoencoder's whole state dict (trainable weights plus statistics and fixed
 *       positions) in both model.safetensors and ema.safetensors, so a checkpoint is self-contained apart
 *       from the frozen encoder, which is read again from the recorded {@code encoder.path}.
 *   <li>A resumed run restores the statistics from its checkpoint (the loop restores only trainable
 *       weights, optimizer and EMA); the running query estimate moves every step, so without this the
 *       resumed run would not be bitwise equal to an uninterrupted one.
 *   <li>Loss weights live in their own {@code loss} config section rather than in {@code decoder} or
 *       {@code train}: they belong to the stage-1 objective, and LPIPS / GAN settings will join them.
 * </ul>
 */
package io.decq.train.recon;
