package io.decq.core.dit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.decq.core.config.DitPreset;
import io.decq.core.latent.LatentLayout;
import io.decq.core.nn.DecqBlock;
import io.decq.core.nn.NativeMemory;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** DecQ's query extension of DiT-DH, its gradients and the presets (RAE parity: {@link DitParityTest}). */
class DitDHTest {
  static final LatentLayout WITH_QUERIES = new LatentLayout(8, 4, 16);
  static final int CLASSES = 5;
  static final Set<String> FROZEN = Set.of("pos_embed", "t_embedder.W", "enc_feat_rope.freqs_cos", "enc_feat_rope.freqs_sin",
      "dec_feat_rope.freqs_cos", "dec_feat_rope.freqs_sin");

  static NDManager manager;

  @BeforeAll
  static void setUp() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void tearDown() {
    manager.close();
  }

  /** A tiny model whose trainable parameters are all random (the zero-initialised ones too, as the golden case). */
  static DitDH randomModel(LatentLayout layout, long seed) {
    DitDH dit = DitDH.of(DitPreset.TINY, layout, CLASSES);
    dit.materialize(manager, seed);
    Random r = new Random(seed);
    for (Parameter p : dit.trainableParameters().values()) {
      NDArray a = p.getArray();
      try (NDManager m = manager.newSubManager(); NDArray noise = randn(m, r, a.getShape().getShape())) {
        DecqBlock.assign(a, noise.mul(0.08f).add(a));
      }
    }
    return dit;
  }

  static NDArray randn(NDManager m, Random r, long... shape) {
    float[] v = new float[Math.toIntExact(new Shape(shape).size())];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return m.create(v, new Shape(shape));
  }

  static double maxDiff(NDArray a, NDArray b) {
    return a.sub(b).abs().max().getFloat();
  }

  @Test
  void queriesAddOnlyTheirPositionKey() {
    DitDH rae = DitDH.of(DitPreset.TINY, new LatentLayout(0, 4, 16), CLASSES);
    DitDH decq = DitDH.of(DitPreset.TINY, WITH_QUERIES, CLASSES);
    rae.materialize(manager, 1);
    decq.materialize(manager, 1);
    Set<String> extra = new HashSet<>(decq.namedParameters().keySet());
    extra.removeAll(rae.namedParameters().keySet());
    assertEquals(Set.of("query_pos_embed"), extra);
    assertTrue(decq.namedParameters().keySet().containsAll(rae.namedParameters().keySet()));
    assertArrayEquals(new long[] {1, 8, DitPreset.TINY.backbone().width()},
        decq.namedParameters().get("query_pos_embed").getArray().getShape().getShape());
  }

  /**
   * Queries carry no position but their learnable one: permuting the query tokens together with the rows
   * of {@code query_pos_embed} permutes the query outputs the same way and leaves every patch output
   * unchanged. RoPE on the queries (or any slot-dependent treatment) would break both.
   */
  @Test
  void queriesAreUnrotatedAndOrderFree() {
    DitDH dit = randomModel(WITH_QUERIES, 3);
    int q = WITH_QUERIES.queries();
    int[] perm = new int[q];
    for (int i = 0; i < q; i++) {
      perm[i] = (3 * i + 1) % q;
    }
    Random r = new Random(11);
    try (NDManager m = manager.newSubManager()) {
      NDArray x = randn(m, r, 2, WITH_QUERIES.tokens(), WITH_QUERIES.channels());
      NDArray t = m.create(new float[] {0.3f, 0.8f});
      NDArray y = m.create(new long[] {1, CLASSES});
      NDArray out = dit.forward(null, x, t, y, false); // (B, L, C)
      assertArrayEquals(new long[] {2, WITH_QUERIES.tokens(), WITH_QUERIES.channels()}, out.getShape().getShape());

      NDArray index = m.create(perm);
      NDArray xPerm = WITH_QUERIES.join(WITH_QUERIES.splitQueries(x).get(":, {}, :", index), WITH_QUERIES.splitPatches(x));
      NDArray qpos = dit.namedParameters().get("query_pos_embed").getArray();
      NDArray original = qpos.duplicate();
      NDArray permuted = qpos.get(":, {}, :", index);
      DecqBlock.assign(qpos, permuted);
      NDArray outPerm = dit.forward(null, xPerm, t, y, false);
      DecqBlock.assign(qpos, original);

      double patches = maxDiff(WITH_QUERIES.splitPatches(out), WITH_QUERIES.splitPatches(outPerm));
      double queries = maxDiff(WITH_QUERIES.splitQueries(out).get(":, {}, :", index), WITH_QUERIES.splitQueries(outPerm));
      double scale = out.abs().max().getFloat();
      System.out.printf("query permutation: patch outputs %.3g, permuted query outputs %.3g (|out| <= %.3g)%n", patches, queries, scale);
      assertTrue(scale > 0.1, "the randomised model must produce a non-trivial output");
      assertTrue(patches < 1e-5 && queries < 1e-5, patches + " / " + queries);
      NDArray outSlotsOnly = dit.forward(null, xPerm, t, y, false);
      assertTrue(maxDiff(WITH_QUERIES.splitPatches(out), WITH_QUERIES.splitPatches(outSlotsOnly)) > 1e-4,
          "query positions must matter: permuting the tokens alone changes the patch outputs");
    }
  }

  @Test
  void rotaryLeavesTheLeadingTokensAndRotatesThePatchesAsWithoutThem() {
    RotaryEmbedding2d rope = new RotaryEmbedding2d(8, 3);
    rope.materialize(manager, 0);
    Random r = new Random(2);
    try (NDManager m = manager.newSubManager()) {
      NDArray lead = randn(m, r, 2, 2, 5, 8);
      NDArray patches = randn(m, r, 2, 2, 9, 8);
      NDArray both = rope.rotate(ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(lead, patches), 2), 5);
      assertEquals(0.0, maxDiff(both.get(":, :, :5, :"), lead));
      assertEquals(0.0, maxDiff(both.get(":, :, 5:, :"), rope.rotate(patches, 0)));
      // A rotation: norms per interleaved pair are kept; token 0 (row 0, column 0) is not rotated.
      NDArray rotated = rope.rotate(patches, 0);
      NDArray pairs = patches.reshape(2, 2, 9, 4, 2).square().sum(new int[] {4});
      NDArray rotatedPairs = rotated.reshape(2, 2, 9, 4, 2).square().sum(new int[] {4});
      assertTrue(maxDiff(pairs, rotatedPairs) < 1e-5);
      assertEquals(0.0, maxDiff(rotated.get(":, :, 0, :"), patches.get(":, :, 0, :")));
      assertTrue(maxDiff(rotated.get(":, :, 1:, :"), patches.get(":, :, 1:, :")) > 1e-2);
    }
  }

  @Test
  void everyTrainableParameterGetsAGradientAndTheFixedTablesNone() {
    DitDH dit = randomModel(WITH_QUERIES, 5);
    Map<String, Parameter> all = new LinkedHashMap<>(dit.namedParameters());
    Set<String> frozen = new HashSet<>(all.keySet());
    frozen.removeAll(dit.trainableParameters().keySet());
    assertEquals(FROZEN, frozen);
    Random r = new Random(7);
    try (NDManager m = manager.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray x = randn(m, r, 3, WITH_QUERIES.tokens(), WITH_QUERIES.channels());
      NDArray v = dit.forward(null, x, m.create(new float[] {0.1f, 0.5f, 0.95f}), m.create(new long[] {0, 4, CLASSES}), true);
      gc.backward(v.sub(x).square().mean());
      for (Map.Entry<String, Parameter> e : dit.trainableParameters().entrySet()) {
        NDArray g = e.getValue().getArray().getGradient();
        assertTrue(g.abs().sum().getFloat() > 0, "no gradient reached " + e.getKey());
        g.subi(g);
        g.close();
      }
      for (String k : FROZEN) {
        assertFalse(all.get(k).getArray().hasGradient(), k + " must not be trainable");
      }
    }
  }

  /** Every array a call makes belongs to the caller's manager (the inputs'): none piles up in the model's. */
  @Test
  void nativeArraysStayFlatOverCalls() {
    DitDH dit = randomModel(WITH_QUERIES, 8);
    Random r = new Random(3);
    float[] x = new float[2 * WITH_QUERIES.tokens() * WITH_QUERIES.channels()];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    Runnable call = () -> {
      try (NDManager m = manager.newSubManager()) {
        dit.forward(null, m.create(x, new Shape(2, WITH_QUERIES.tokens(), WITH_QUERIES.channels())), m.create(new float[] {0.4f, 0.6f}),
            m.create(new long[] {1, CLASSES}), false);
      }
    };
    call.run();
    int before = NativeMemory.liveArrays();
    for (int i = 0; i < 4; i++) {
      call.run();
    }
    assertEquals(before, NativeMemory.liveArrays());
  }

  @Test
  void untrainedModelPredictsZeroVelocity() {
    DitDH dit = DitDH.of(DitPreset.TINY, WITH_QUERIES, CLASSES);
    dit.materialize(manager, 9);
    try (NDManager m = manager.newSubManager()) {
      NDArray x = randn(m, new Random(1), 2, WITH_QUERIES.tokens(), WITH_QUERIES.channels());
      NDArray v = dit.forward(null, x, m.create(new float[] {0.2f, 0.7f}), m.create(new long[] {2, CLASSES}), false);
      assertEquals(0f, v.abs().max().getFloat(), "RAE zero-initialises the final layer");
    }
  }

  @Test
  void wrongInputShapeIsRefused() {
    DitDH dit = DitDH.of(DitPreset.TINY, WITH_QUERIES, CLASSES);
    dit.materialize(manager, 9);
    try (NDManager m = manager.newSubManager()) {
      NDArray patchesOnly = m.zeros(new Shape(1, WITH_QUERIES.patchTokens(), WITH_QUERIES.channels()));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> dit.forward(null, patchesOnly, m.zeros(new Shape(1)), m.create(new long[] {0}), false));
      assertTrue(e.getMessage().contains("(B, 24, 16)"), e.getMessage());
    }
  }

  /** Every preset is a valid DiT-DH over the paper's latent (16 x 16 tokens of 768 channels, 8 queries). */
  @Test
  void everyPresetBuilds() {
    for (DitPreset p : DitPreset.values()) {
      DitDH dit = DitDH.of(p, new LatentLayout(8, 16, 768), 1000);
      long blocks = dit.namedParameters().keySet().stream().filter(k -> k.matches("blocks\\.\\d+\\.norm1\\.weight")).count();
      assertEquals(p.backbone().depth() + p.head().depth(), blocks, p.name());
    }
  }
}
