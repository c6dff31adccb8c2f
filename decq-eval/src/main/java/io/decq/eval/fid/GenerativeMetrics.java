package io.decq.eval.fid;

import com.google.gson.JsonObject;
import io.decq.core.error.BadInputException;
import io.decq.core.io.HostTensor;
import io.decq.core.io.Npz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The generative-model metrics of the ADM evaluator ({@code guided-diffusion/evaluations/evaluator.py}):
 * FID statistics files, the Frechet distance between two of them, and FID / sFID / Inception Score /
 * precision / recall of a sample batch against a reference batch, plus torch-fidelity's KID ({@link
 * KernelInceptionDistance}) on the same pool3 features. The plain methods behind {@code decq eval stats},
 * {@code fd} and {@code gen}.
 */
public final class GenerativeMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(GenerativeMetrics.class);

  private GenerativeMetrics() {}

  /**
   * What {@link #writeStats} wrote.
   *
   * @param out the statistics file
   * @param images images read
   * @param imagesPerSecond feature-extraction throughput
   * @param pool the pool3 statistics written ({@code mu}, {@code sigma})
   * @param spatial the spatial statistics written ({@code mu_s}, {@code sigma_s})
   */
  public record StatsSummary(Path out, int images, double imagesPerSecond, FidStats pool, FidStats spatial) {}

  /**
   * Writes ADM-compatible statistics of every image of {@code images} (a folder or an {@code .npz} sample
   * batch) to {@code out}: {@code mu}, {@code sigma} (pool3, 2048-d) and {@code mu_s}, {@code sigma_s}
   * (spatial, 2023-d), float64.
   */
  public static StatsSummary writeStats(FidInception net, Path images, Path out, FidPreprocess preprocess, int batchSize) {
    FeatureExtraction.Result r;
    try (ImageSource source = ImageSource.open(images)) {
      if (source.size() < 2) {
        throw new BadInputException(images + ": " + source.size() + " image; a covariance needs at least 2 images");
      }
      r = FeatureExtraction.run(net, source, new FeatureExtraction.Options(preprocess, batchSize, false, false));
    }
    Map<String, HostTensor> arrays = new LinkedHashMap<>(r.pool().arrays(FidStats.MU, FidStats.SIGMA));
    arrays.putAll(r.spatial().arrays(FidStats.MU_SPATIAL, FidStats.SIGMA_SPATIAL));
    Npz.write(out, arrays);
    return new StatsSummary(out, r.count(), r.imagesPerSecond(), r.pool(), r.spatial());
  }

  /** The Frechet distance between the {@code mu} / {@code sigma} of two {@code .npz} files. */
  public static double frechetDistance(Path a, Path b) {
    FidStats sa = FidStats.read(a, FidStats.MU, FidStats.SIGMA);
    FidStats sb = FidStats.read(b, FidStats.MU, FidStats.SIGMA);
    if (sa.dim() != sb.dim()) {
      throw new BadInputException(a + " and " + b + ": feature dimensions differ ('mu' has " + sa.dim() + " vs "
          + sb.dim() + " values); both must come from the same feature (e.g. 2048-d pool3)");
    }
    return FrechetDistance.compute(sa, sb);
  }

  /**
   * The metrics of a sample batch against a reference.
   *
   * @param fid Frechet distance of pool3 statistics
   * @param sfid Frechet distance of spatial statistics, or null when the reference has neither {@code mu_s}
   *     / {@code sigma_s} nor images
   * @param inceptionScore Inception Score of the samples ({@link InceptionScore#DEFAULT_SPLITS} splits)
   * @param inceptionScoreStd its standard deviation over splits
   * @param precision improved precision (k = 3), or null when not computed
   * @param recall improved recall (k = 3), or null when not computed
   * @param kid KID of pool3 features, or null when not computed (not asked for, or a reference without
   *     images)
   * @param numSamples sample images
   * @param numReferenceImages reference images run through the network, or 0 when only statistics were read
   * @param referenceStatistics {@code "file"} (read from the reference .npz) or {@code "computed"}
   * @param preprocess the preprocessing ({@code tf} or {@code torch})
   * @param samplesPerSecond feature-extraction throughput on the samples
   */
  public record Report(double fid, Double sfid, double inceptionScore, double inceptionScoreStd, Double precision,
      Double recall, KernelInceptionDistance.Result kid, int numSamples, int numReferenceImages,
      String referenceStatistics, String preprocess, double samplesPerSecond) {

    /**
     * The report as JSON (snake_case keys; absent metrics as null) with {@code provenance} (null: left
     * out).
     */
    public JsonObject toJson(Path samples, Path reference, Path weights, JsonObject provenance) {
      JsonObject o = new JsonObject();
      o.addProperty("fid", fid);
      o.addProperty("sfid", sfid);
      o.addProperty("inception_score", inceptionScore);
      o.addProperty("inception_score_std", inceptionScoreStd);
      o.addProperty("inception_score_splits", InceptionScore.DEFAULT_SPLITS);
      o.addProperty("precision", precision);
      o.addProperty("recall", recall);
      o.addProperty("precision_recall_k", PrecisionRecall.NEIGHBOURS);
      o.addProperty("kid_mean", kid == null ? null : kid.mean());
      o.addProperty("kid_std", kid == null ? null : kid.std());
      o.addProperty("kid_subsets", kid == null ? null : kid.subsets());
      o.addProperty("kid_subset_size", kid == null ? null : kid.subsetSize());
      o.addProperty("kid_seed", kid == null ? null : kid.seed());
      o.addProperty("num_samples", numSamples);
      o.addProperty("num_reference_images", numReferenceImages);
      o.addProperty("reference_statistics", referenceStatistics);
      o.addProperty("preprocess", preprocess);
      o.addProperty("samples", samples.toString());
      o.addProperty("reference", reference.toString());
      o.addProperty("inception_weights", weights == null ? null : weights.toString());
      o.addProperty("samples_per_second", samplesPerSecond);
      if (provenance != null) {
        o.add("provenance", provenance);
      }
      return o;
    }
  }

  /**
   * FID, sFID, Inception Score, precision, recall and KID of {@code samples} (folder or {@code .npz} batch)
   * against {@code reference}: a folder of images, or an ADM reference batch {@code .npz} whose {@code mu},
   * {@code sigma}, {@code mu_s}, {@code sigma_s} are used when present (as the ADM evaluator does) and whose
   * {@code arr_0} images supply the reference features for precision/recall, KID and any missing statistics.
   *
   * @param kid KID's subsets, or null to skip KID
   */
  public static Report evaluate(FidInception net, Path samples, Path reference, FidPreprocess preprocess, int batchSize,
      boolean precisionRecall, KernelInceptionDistance.Options kid) {
    FidStats refPool = null;
    FidStats refSpatial = null;
    boolean needImages = true;
    if (!Files.isDirectory(reference)) {
      Set<String> names = NpzArrays.names(reference);
      boolean hasImages = names.contains(ImageSource.IMAGES_KEY);
      if (FidStats.present(reference, FidStats.MU, FidStats.SIGMA)) {
        refPool = FidStats.read(reference, FidStats.MU, FidStats.SIGMA);
      }
      if (FidStats.present(reference, FidStats.MU_SPATIAL, FidStats.SIGMA_SPATIAL)) {
        refSpatial = FidStats.read(reference, FidStats.MU_SPATIAL, FidStats.SIGMA_SPATIAL);
      }
      if (refPool == null && !hasImages) {
        throw new BadInputException(reference + ": a reference batch needs 'mu'/'sigma' statistics or '"
            + ImageSource.IMAGES_KEY + "' images (has: " + String.join(", ", names) + ")");
      }
      needImages = hasImages && (precisionRecall || kid != null || refPool == null || refSpatial == null);
      if ((precisionRecall || kid != null) && !hasImages) {
        LOG.warn("{}: no '{}' images, so no precision/recall or KID (they need the reference features)", reference,
            ImageSource.IMAGES_KEY);
      }
    }
    // Open (and so validate) both sources before the long feature extraction.
    try (ImageSource sampleSource = ImageSource.open(samples);
        ImageSource refSource = needImages ? ImageSource.open(reference) : null) {
      if (sampleSource.size() < InceptionScore.DEFAULT_SPLITS) {
        throw new BadInputException(samples + ": " + sampleSource.size() + " images; the Inception Score needs at least "
            + InceptionScore.DEFAULT_SPLITS);
      }
      boolean keepPool3 = precisionRecall || kid != null;
      FeatureExtraction.Result sampleFeatures = FeatureExtraction.run(net, sampleSource,
          new FeatureExtraction.Options(preprocess, batchSize, keepPool3, true));
      FeatureExtraction.Result refFeatures = refSource == null ? null : FeatureExtraction.run(net, refSource,
          new FeatureExtraction.Options(preprocess, batchSize, keepPool3, false));
      String refStatistics = refPool != null ? "file" : "computed";
      if (refPool == null) {
        refPool = refFeatures.pool();
      }
      if (refSpatial == null && refFeatures != null) {
        refSpatial = refFeatures.spatial();
      }
      double fid = FrechetDistance.compute(sampleFeatures.pool(), refPool);
      Double sfid = refSpatial == null ? null : FrechetDistance.compute(sampleFeatures.spatial(), refSpatial);
      InceptionScore is = InceptionScore.compute(sampleFeatures.logitsUnbiased(), sampleFeatures.count(),
          FidInception.NUM_CLASSES, InceptionScore.DEFAULT_SPLITS);
      PrecisionRecall.Result pr = null;
      if (precisionRecall && refFeatures != null) {
        pr = PrecisionRecall.compute(net.manager(), refFeatures.pool3(), refFeatures.count(), sampleFeatures.pool3(),
            sampleFeatures.count(), FidInception.POOL_DIM, true);
      }
      KernelInceptionDistance.Result kidResult = null;
      if (kid != null && refFeatures != null) {
        kidResult = KernelInceptionDistance.compute(net.manager(), sampleFeatures.pool3(), sampleFeatures.count(),
            refFeatures.pool3(), refFeatures.count(), FidInception.POOL_DIM, kid);
      }
      return new Report(fid, sfid, is.mean(), is.std(), pr == null ? null : pr.precision(),
          pr == null ? null : pr.recall(), kidResult, sampleFeatures.count(), refFeatures == null ? 0 : refFeatures.count(),
          refStatistics, preprocess.id(), sampleFeatures.imagesPerSecond());
    }
  }
}
