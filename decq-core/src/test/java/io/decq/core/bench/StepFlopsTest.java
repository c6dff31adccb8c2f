package io.decq.core.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.decq.core.config.DecoderPreset;
import io.decq.core.config.QueriesConfig;
import io.decq.core.config.TransformerSize;
import io.decq.core.encoder.HfVisionConfig;
import io.decq.core.encoder.VisionTower;
import io.decq.core.nn.DecqBlock;
import io.decq.core.nn.Linear;
import io.decq.core.rae.QueryCondensers;
import io.decq.core.rae.ViTDecoder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

/**
 * The FLOP accounting on paths whose products are known exactly: a stack of Linears (2 B T in out each,
 * by hand), a transformer layer against the closed form 24 B N D^2 + 4 B N^2 D (F = 4 D), and the
 * decoder, condensers and encoder against the weight shapes of the real modules (every rank-2 weight of
 * them is a Linear: 2 x rows x in x out, plus the attention products 4 B N M D per layer, which have no
 * weights).
 */
class StepFlopsTest {
  /** Hand count: B = 2, T = 3, Linears 4 -> 5 -> 6: forward 2 * 6 * (4 * 5 + 5 * 6) = 600. */
  @Test
  void linearStackCountsTwoBTInOutPerLayer() {
    long rows = 2 * 3;
    Flops frozen = StepFlops.linear(rows, 4, 5, false, false).plus(StepFlops.linear(rows, 5, 6, false, false));
    assertEquals(600, frozen.forward());
    assertEquals(0, frozen.backward(), "frozen, no input gradient: no backward products");
    // Trained, input without gradient: layer 1 needs dW only (240), layer 2 dW and dX (2 x 360).
    Flops trained = StepFlops.linear(rows, 4, 5, true, false).plus(StepFlops.linear(rows, 5, 6, true, true));
    assertEquals(600, trained.forward());
    assertEquals(240 + 720, trained.backward());
    assertEquals(1560, trained.total());
  }

  /** A stack of real {@link Linear} modules: the count is the sum of 2 B T in out over their weights. */
  @Test
  void linearStackMatchesItsWeightShapes() {
    long[] widths = {48, 96, 32, 200, 7};
    int batch = 3;
    int tokens = 11;
    Stack stack = new Stack(widths);
    try (NDManager m = NDManager.newBaseManager()) {
      stack.materialize(m, 1);
      long expected = 0;
      for (Parameter p : stack.namedParameters().values()) {
        Shape s = p.getArray().getShape();
        if (s.dimension() == 2) {
          expected += 2L * batch * tokens * s.get(0) * s.get(1);
        }
      }
      Flops counted = Flops.ZERO;
      for (int i = 0; i + 1 < widths.length; i++) {
        counted = counted.plus(StepFlops.linear((long) batch * tokens, widths[i], widths[i + 1], true, true));
      }
      assertEquals(expected, counted.forward());
      assertEquals(3 * expected, counted.total(), "trained with input gradient: forward + backward = 3 x forward");
    }
  }

  @Test
  void transformerLayerIsTheClosedForm() {
    long b = 4;
    long n = 261;
    long d = 768;
    Flops frozen = StepFlops.transformerLayer(b, n, d, 4 * d, false);
    assertEquals(24 * b * n * d * d + 4 * b * n * n * d, frozen.forward());
    assertEquals(0, frozen.backward());
    Flops trained = StepFlops.transformerLayer(b, n, d, 4 * d, true);
    assertEquals(3 * frozen.forward(), trained.total());
    assertEquals(4 * b * n * 300 * d, StepFlops.attention(b, n, 300, d, false).forward(), "Q K^T and A V: 2 N M D each");
  }

  /** The tiny decoder with 3 queries: weights on T rows (embed, pred), Q rows (query_embed), L rows (layers). */
  @Test
  void decoderMatchesItsWeightShapes() {
    TransformerSize size = DecoderPreset.TINY.size();
    int c = 32;
    int tokens = 16;
    int queries = 3;
    int patch = 2;
    int batch = 5;
    long l = 1 + queries + tokens;
    ViTDecoder decoder = new ViTDecoder(size, c, tokens, patch, queries, ViTDecoder.LAYER_NORM_EPS);
    long expected = weightFlops(decoder, batch, name -> name.startsWith("decoder_layers.") ? l
        : name.startsWith("query_embed.") ? queries : tokens)
        + size.depth() * 4L * batch * l * l * size.width();
    Flops f = StepFlops.decoder(size, c, tokens, queries, patch, batch);
    assertEquals(expected, f.forward());
    long embed = 2L * batch * tokens * c * size.width();
    assertEquals(2 * f.forward() - embed, f.backward(), "every product twice, but no input gradient for decoder_embed");
  }

  /** Condensers: q / proj / MLP weights on Q rows, k / v weights on the M = T context rows. */
  @Test
  void condensersMatchTheirWeightShapes() {
    QueriesConfig q = new QueriesConfig(8, List.of(0, 2, 5), false, 4, 4.0);
    int width = 64;
    int prefix = 5;
    int tokens = 36;
    int batch = 2;
    QueryCondensers condensers = new QueryCondensers(q.count(), width, q.taps(), q.includePrefixTokens(), q.heads(),
        Math.round(q.mlpRatio() * width));
    long expected = weightFlops(condensers, batch, name -> name.contains(".attn.k.") || name.contains(".attn.v.")
        ? tokens : q.count()) + q.taps().size() * 4L * batch * q.count() * tokens * width;
    Flops f = StepFlops.condensers(q, width, prefix, tokens, batch);
    assertEquals(expected, f.forward());
    assertEquals(2 * f.forward(), f.backward());
    QueriesConfig withPrefix = new QueriesConfig(8, List.of(0, 2, 5), true, 4, 4.0);
    assertTrue(StepFlops.condensers(withPrefix, width, prefix, tokens, batch).forward() > f.forward());
    assertEquals(Flops.ZERO, StepFlops.condensers(new QueriesConfig(0, List.of(), false, 4, 4.0), width, prefix, tokens,
        batch));
  }

  /**
   * The tiny DINOv2-reg (src-test-data/encoders): layer weights on P + T rows, the patch-embedding
   * convolution (C, 3, p, p) as a Linear on T rows, attention 4 B N^2 C per layer; forward only.
   */
  @Test
  void encoderMatchesTheTinyDinov2sWeightShapes() {
    String data = System.getProperty("decq.test.data");
    assertNotNull(data, "system property decq.test.data is not set (run the tests through Maven)");
    HfVisionConfig config = HfVisionConfig.read(Path.of(data, "encoders", "dinov2-reg-tiny", "config.json"));
    int tokens = 256;
    int batch = 2;
    long n = config.prefixTokens() + tokens;
    VisionTower tower = VisionTower.of(config);
    long expected = config.layers() * 4L * batch * n * n * config.hiddenSize();
    try (NDManager m = NDManager.newBaseManager()) {
      tower.materialize(m, 0);
      for (Map.Entry<String, Parameter> e : tower.namedParameters().entrySet()) {
        Shape s = e.getValue().getArray().getShape();
        if (e.getKey().endsWith("weight") && s.dimension() == 2) {
          expected += 2L * batch * n * s.get(0) * s.get(1);
        } else if (e.getKey().endsWith("weight") && s.dimension() == 4) {
          expected += 2L * batch * tokens * s.size();
        }
      }
    }
    Flops f = StepFlops.encoderForward(config, tokens, batch);
    assertEquals(expected, f.forward());
    assertEquals(0, f.backward());
  }

  /** The parts add up; printed for the base size of the PyTorch comparison (batch 8). */
  @Test
  void stage1IsEncoderForwardPlusTrainedCondensersAndDecoder() {
    HfVisionConfig enc = HfVisionConfig.dinov2RegBase();
    QueriesConfig q = QueriesConfig.defaults();
    TransformerSize dec = DecoderPreset.VIT_B.size();
    StepFlops.Stage1 s = StepFlops.stage1(enc, 256, q, dec, 16, 8);
    assertEquals(StepFlops.encoderForward(enc, 256, 8), s.encoder());
    assertEquals(StepFlops.condensers(q, 768, 5, 256, 8), s.condensers());
    assertEquals(StepFlops.decoder(dec, 768, 256, 8, 16, 8), s.decoder());
    assertEquals(s.encoder().total() + s.condensers().total() + s.decoder().total(), s.step().total());
    System.out.printf("stage-1 step, DINOv2-reg-B + 8 queries (taps 0,3,6,9) + ViT-B, batch 8: encoder %.1f GFLOP, "
        + "condensers %.1f GFLOP, decoder %.1f GFLOP (fwd %.1f), step %.1f GFLOP%n", s.encoder().total() / 1e9,
        s.condensers().total() / 1e9, s.decoder().total() / 1e9, s.decoder().forward() / 1e9, s.step().total() / 1e9);
  }

  /** 2 x rows(name) x in x out over the rank-2 weights of {@code block} (materialised here). */
  private static long weightFlops(DecqBlock block, int batch, ToLongFunction<String> rows) {
    long sum = 0;
    try (NDManager m = NDManager.newBaseManager()) {
      block.materialize(m, 0);
      for (Map.Entry<String, Parameter> e : block.namedParameters().entrySet()) {
        Shape s = e.getValue().getArray().getShape();
        if (s.dimension() == 2) {
          assertTrue(e.getKey().endsWith("weight"), "a rank-2 parameter that is not a Linear weight: " + e.getKey());
          sum += 2L * batch * rows.applyAsLong(e.getKey()) * s.get(0) * s.get(1);
        }
      }
    }
    return sum;
  }

  /** Linears widths[0] -> widths[1] -> ... */
  private static final class Stack extends DecqBlock {
    Stack(long[] widths) {
      for (int i = 0; i + 1 < widths.length; i++) {
        child("layers." + i, new Linear(widths[i], widths[i + 1], true));
      }
    }
  }
}
