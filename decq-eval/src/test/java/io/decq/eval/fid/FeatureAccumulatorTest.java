package io.decq.eval.fid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.decq.core.image.RgbImage;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link FeatureExtraction.Accumulator} over batches of uneven sizes (cut into forwards of 2, kept-feature
 * buffers grown past the expected count) gives torch-fidelity's pool3 and logits of the golden images.
 */
class FeatureAccumulatorTest {
  @Test
  @Tag("parity")
  void unevenBatchesGiveTheGoldenFeatures() {
    List<RgbImage> images = FidGoldenWeights.inputImages();
    int n = images.size();
    FeatureExtraction.Result r;
    try (FidInception net = FidInception.fromStateDict(FidGoldenWeights.stateDict(), "golden FID-Inception", Device.cpu());
        FeatureExtraction.Accumulator acc = new FeatureExtraction.Accumulator(net,
            new FeatureExtraction.Options(FidPreprocess.TF, 2, true, true), "golden", 1)) {
      acc.add(images.subList(0, 1));
      acc.add(images.subList(1, n));
      assertEquals(n, acc.count());
      r = acc.result();
    }
    Map<String, HostTensor> expected = SafeTensors.read(FidGoldenWeights.goldenDir().resolve("fid_inception_expected.safetensors"));
    double pool = FidInceptionParityTest.maxAbsDiff(r.pool3(), expected.get("torch_fidelity.pool3"));
    double logits = FidInceptionParityTest.maxAbsDiff(r.logitsUnbiased(), expected.get("torch_fidelity.logits_unbiased"));
    System.out.printf(Locale.ROOT, "accumulated features vs torch-fidelity: pool3 %.3g, unbiased logits %.3g%n", pool, logits);
    assertTrue(pool <= 1e-3, "pool3 " + pool);
    assertTrue(logits <= 1e-3, "logits " + logits);
    for (int j = 0; j < FidInception.POOL_DIM; j++) {
      double mean = 0;
      for (int i = 0; i < n; i++) {
        mean += r.pool3()[i * FidInception.POOL_DIM + j] / n;
      }
      assertEquals(mean, r.pool().mu()[j], 1e-5);
    }
  }
}
