package io.decq.core.config;

/**
 * The {@code eval} section: generation FID measured while stage 2 trains (RAE's online evaluation).
 *
 * @param every every this many steps (and at the end) sample {@code num} images with the EMA weights and log
 *     their FID and KID against {@code ref} to metrics.jsonl; 0 = off
 * @param num samples per evaluation (equal labels, a fixed seed, so successive values are comparable)
 * @param ref the reference set: a folder of images or an ADM reference batch (.npz with mu/sigma or arr_0)
 * @param inception FID-Inception weights (pytorch-fid's pt_inception-2015-12-05 .pth or safetensors); null =
 *     a seeded random-weight FID-Inception, whose numbers check the pipeline and say nothing about quality
 */
public record EvalConfig(int every, int num, String ref, String inception) {
  public EvalConfig {
    Check.atLeast("every", every, 0);
    Check.atLeast("num", num, 2);
    Check.that(every == 0 || ref != null, "ref", "must name reference images or statistics when every > 0");
  }

  public static EvalConfig defaults() {
    return new EvalConfig(0, 1000, null, null);
  }
}
