package io.decq.core.config;

/**
 * A whole run configuration: one section per part of the pipeline. Each section is a record with its
 * own {@code defaults()}; {@code configs/reference.yaml} documents every key.
 *
 * @param encoder the frozen encoder (weights, family, preprocessing)
 * @param queries the detail-condensing queries and their condensers
 * @param decoder the ViT pixel decoder
 * @param loss the weights of the stage-1 reconstruction loss terms
 * @param ae the trained stage-1 autoencoder stage 2 generates latents for
 * @param dit the stage-2 DiT-DH denoiser
 * @param flow flow matching (time sampling, shift)
 * @param train the training loop (steps, batch, optimizer, checkpoints)
 * @param eval generation metrics measured during stage-2 training
 * @param data the image dataset and its augmentations
 */
public record DecqConfig(
    EncoderConfig encoder,
    QueriesConfig queries,
    DecoderConfig decoder,
    LossConfig loss,
    AeConfig ae,
    DitConfig dit,
    FlowConfig flow,
    TrainConfig train,
    EvalConfig eval,
    DataConfig data) {

  public static DecqConfig defaults() {
    return new DecqConfig(
        EncoderConfig.defaults(),
        QueriesConfig.defaults(),
        DecoderConfig.defaults(),
        LossConfig.defaults(),
        AeConfig.defaults(),
        DitConfig.defaults(),
        FlowConfig.defaults(),
        TrainConfig.defaults(),
        EvalConfig.defaults(),
        DataConfig.defaults());
  }
}
