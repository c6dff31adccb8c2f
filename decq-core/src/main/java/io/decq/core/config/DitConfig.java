package io.decq.core.config;

/**
 * The {@code dit} section: the stage-2 DiT-DH denoiser.
 *
 * @param preset denoiser size: dit-dh-s / -b / -l / -xl (RAE's) or tiny / small for CPU runs
 * @param numClasses K, class labels 0..K-1; label K is the null (unconditional) class
 * @param classDropout probability that a training sample's label is replaced by the null class, so the
 *     model also learns the unconditional velocity that classifier-free guidance needs
 */
public record DitConfig(DitPreset preset, int numClasses, double classDropout) {
  public DitConfig {
    Check.that(preset != null, "preset", "must name a DiT-DH preset");
    Check.atLeast("num_classes", numClasses, 1);
    Check.inRange("class_dropout", classDropout, 0.0, 1.0);
  }

  public static DitConfig defaults() {
    return new DitConfig(DitPreset.DIT_DH_XL, 1000, 0.1);
  }
}
