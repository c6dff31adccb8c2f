package io.decq.train.recon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.google.gson.JsonObject;
import io.decq.core.config.DecqConfig;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import io.decq.core.run.Checkpoint;
import io.decq.core.run.RunDirectory;
import io.decq.train.run.MetricsLog;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stage 1 with RAE's full loss (configs/tiny-recon-gan.yaml: L1 + LPIPS + the adaptive GAN term, golden
 * fixture weights) on 6 images of 64 px at batch 2 (3 steps per epoch), 5 steps: the discriminator trains from
 * epoch 0.5 (step 3), the GAN term joins the decoder loss from epoch 1.0 (step 4). A run stopped after
 * step 2 (checkpoint at 2) and resumed across both switches ends bitwise equal to the uninterrupted one
 * (autoencoder, EMA, both optimizers, D's heads with their spectral-norm u/v). Training leaves the frozen
 * encoder, the VGG trunk and the DINO backbone bit-identical.
 */
class ReconGanTest {
  static final int MAX = 5;
  static final int D_FIRST = 3;
  static final int GAN_FIRST = 4;
  @TempDir static Path tmp;
  static Path straight;
  static Path interrupted;
  static Map<String, HostTensor> before;
  static Map<String, HostTensor> after;
  static Map<String, HostTensor> headsBefore;
  static Map<String, HostTensor> headsAfter;

  private static final class Crash extends RuntimeException {
    private static final long serialVersionUID = 1L;
  }

  /** Every frozen tensor of the run: encoder, LPIPS (VGG trunk and lins), D's backbone, by prefixed name. */
  private static Map<String, HostTensor> frozen(ReconTrainer t) {
    Map<String, HostTensor> out = new java.util.LinkedHashMap<>();
    t.encoder().tower().stateDict().forEach((k, v) -> out.put("encoder." + k, v));
    t.lpips().stateDict().forEach((k, v) -> out.put("lpips." + k, v));
    t.gan().backboneState().forEach((k, v) -> out.put("disc_backbone." + k, v));
    return out;
  }

  @BeforeAll
  static void runs() {
    Path images = TinyRecon.subset(tmp.resolve("images"), 3, 2);
    DecqConfig config = TinyRecon.ganConfig("data.path=" + images, "train.max_steps=" + MAX, "train.batch_size=2",
        "train.checkpoint_every=2", "train.log_every=1", "train.preview_every=0", "train.keep_last=0",
        "encoder.image_size=64", "encoder.input_size=56", "data.image_size=64", "data.resize=64",
        "loss.disc_start_epoch=0.5", "loss.gan_start_epoch=1.0", "loss.disc_warmup_epochs=0.5");
    straight = tmp.resolve("straight");
    interrupted = tmp.resolve("interrupted");
    try (ReconTrainer t = ReconTrainer.prepare(config, straight, null, Device.cpu())) {
      before = frozen(t);
      headsBefore = t.gan().headsState();
      assertEquals(MAX, t.train().train().endStep());
      after = frozen(t);
      headsAfter = t.gan().headsState();
    }
    try (ReconTrainer t = ReconTrainer.prepare(config, interrupted, null, Device.cpu(), r -> {
      if (r.step() == D_FIRST) {
        throw new Crash();
      }
    })) {
      assertThrows(Crash.class, t::train);
    }
    try (ReconTrainer t = ReconTrainer.prepare(config, interrupted, interrupted, Device.cpu())) {
      assertEquals(2, t.train().train().startStep());
    }
  }

  @Test
  void discriminatorAndGanTermTurnOnAtTheConfiguredSteps() {
    List<JsonObject> m = MetricsLog.read(straight.resolve("metrics.jsonl"));
    assertEquals(MAX, m.size());
    for (JsonObject line : m) {
      int step = line.get("step").getAsInt();
      assertTrue(line.has("lpips"), "no lpips at step " + step);
      for (String k : List.of("d_loss", "d_acc_real", "d_acc_fake")) {
        assertEquals(step >= D_FIRST, line.has(k), k + " at step " + step + ": " + line);
      }
      for (String k : List.of("gan", "adaptive_weight")) {
        assertEquals(step >= GAN_FIRST, line.has(k), k + " at step " + step + ": " + line);
      }
      if (step >= GAN_FIRST) {
        double w = line.get("adaptive_weight").getAsDouble();
        assertTrue(w > 0 && w <= 1e4, "adaptive weight " + w);
      }
    }
    // D moved: its heads and the spectral-norm vectors changed; before its start nothing of D was saved changed.
    Map<String, HostTensor> at2 = SafeTensors.read(new RunDirectory(straight).checkpointDir(2).resolve("d.safetensors"));
    for (Map.Entry<String, HostTensor> e : headsBefore.entrySet()) {
      assertTrue(e.getValue().equals(at2.get(e.getKey())), e.getKey() + " changed before D's start");
    }
    assertFalse(headsBefore.get("heads.0.1.fn.0.weight_orig").equals(headsAfter.get("heads.0.1.fn.0.weight_orig")));
    assertFalse(headsBefore.get("heads.0.1.fn.0.weight_u").equals(headsAfter.get("heads.0.1.fn.0.weight_u")));
  }

  @Test
  void resumedAcrossTheSwitchEqualsTheUninterruptedRunBitwise() {
    Path a = new RunDirectory(straight).checkpointDir(MAX);
    Path b = new RunDirectory(interrupted).checkpointDir(MAX);
    for (String file : List.of(Checkpoint.MODEL, Checkpoint.EMA, Checkpoint.OPTIMIZER, "d.safetensors",
        "optimizer-d.safetensors")) {
      Map<String, HostTensor> ta = SafeTensors.read(a.resolve(file));
      Map<String, HostTensor> tb = SafeTensors.read(b.resolve(file));
      assertEquals(ta.keySet(), tb.keySet(), file);
      for (String k : ta.keySet()) {
        assertTrue(ta.get(k).equals(tb.get(k)), file + " " + k + " differs bitwise");
      }
    }
    assertTrue(SafeTensors.read(a.resolve("d.safetensors")).keySet().containsAll(headsAfter.keySet()),
        "d.safetensors lacks some of D's state dict (u/v?)");
    List<JsonObject> ma = MetricsLog.read(straight.resolve("metrics.jsonl"));
    List<JsonObject> mb = MetricsLog.read(interrupted.resolve("metrics.jsonl"));
    assertEquals(ma.size(), mb.size());
    for (int i = 0; i < ma.size(); i++) {
      for (String k : ma.get(i).keySet()) {
        if (!k.equals("images_per_s") && !k.equals("data_wait")) {
          assertEquals(ma.get(i).get(k), mb.get(i).get(k), "metrics line " + i + " " + k);
        }
      }
    }
  }

  @Test
  void frozenNetworksAreBitIdenticalAfterTraining() {
    assertEquals(before.keySet(), after.keySet());
    assertTrue(before.keySet().stream().anyMatch(k -> k.startsWith("lpips.")));
    assertTrue(before.keySet().stream().anyMatch(k -> k.startsWith("disc_backbone.")));
    for (String k : before.keySet()) {
      assertTrue(before.get(k).equals(after.get(k)), k + " changed during training");
    }
  }
}
