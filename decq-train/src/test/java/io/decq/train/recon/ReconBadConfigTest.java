package io.decq.train.recon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad configs fail through the launcher with exit code 2 and one line naming the key, before anything
 * is trained: no metrics, no checkpoint.
 */
class ReconBadConfigTest {
  @TempDir Path tmp;

  /** Runs the tiny config with {@code overrides}; expects exit 2, a one-line message containing each of {@code expected}. */
  private void fails(String[] overrides, String... expected) {
    Path out = tmp.resolve("run");
    TinyRecon.Run r = TinyRecon.decq(TinyRecon.trainArgs(out, overrides));
    assertEquals(2, r.code(), "exit code; stderr: " + r.err());
    String message = r.err().strip();
    assertEquals(1, message.lines().count(), "one line: " + message);
    assertTrue(message.startsWith("decq train recon: "), message);
    for (String e : expected) {
      assertTrue(message.contains(e), "'" + e + "' not in: " + message);
    }
    assertFalse(Files.exists(out.resolve("metrics.jsonl")), "training started");
    assertFalse(Files.exists(out.resolve("checkpoints")), "training started");
  }

  @Test
  void unknownDecoderPreset() {
    fails(new String[] {"decoder.preset=vit-q"}, "decoder.preset", "must be one of vit-b, vit-l, vit-xl, tiny, small",
        "'vit-q'");
  }

  @Test
  void queriesWithoutTaps() {
    fails(new String[] {"queries.taps=[]"}, "queries.taps", "when count > 0");
  }

  @Test
  void tapBeyondTheEncoderDepth() {
    fails(new String[] {"queries.taps=[0, 6, 13]"}, "queries.taps: tap 13 is beyond the encoder's depth", "0..12");
  }

  @Test
  void emptyDataFolder() throws IOException {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    fails(new String[] {"data.path=" + empty}, "data.path " + empty, "holds no images", "it is empty");
  }

  @Test
  void lpipsWithoutTrunk() {
    fails(new String[] {"loss.lpips_weight=1.0"}, "loss.lpips_trunk: not set", "lpips_weight is 1.0");
  }

  @Test
  void lpipsLinFileMissing() {
    Path missing = tmp.resolve("no-vgg.pth");
    fails(new String[] {"loss.lpips_weight=1.0", "loss.lpips_trunk=" + TinyRecon.VGG, "loss.lpips_lin=" + missing},
        "loss.lpips_lin " + missing, "file not found");
  }

  @Test
  void ganWithoutBackbone() {
    Path missing = tmp.resolve("no-dino.pth");
    fails(new String[] {"loss.gan_weight=0.75", "loss.disc_backbone=" + missing}, "loss.disc_backbone " + missing,
        "file not found", "gan_weight is 0.75");
  }

  @Test
  void missingEncoder() {
    Path missing = tmp.resolve("no-such-encoder");
    fails(new String[] {"encoder.path=" + missing}, "encoder.path " + missing, "not found");
  }

  @Test
  void decoderOutputSizeMustMatchTheImages() {
    fails(new String[] {"decoder.patch_size=8"}, "decoder.patch_size", "128 px", "data.image_size is 256");
  }
}
