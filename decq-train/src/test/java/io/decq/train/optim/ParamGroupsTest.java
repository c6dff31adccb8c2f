package io.decq.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.types.Shape;
import io.decq.core.config.TrainConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParamGroupsTest {

  @Test
  void defaultRuleExemptsBiasesNormsTokensPositionsAndQueries() {
    ParamGroups g = ParamGroups.of(TrainConfig.defaults());
    Map<String, Shape> decays = new LinkedHashMap<>();
    decays.put("decoder.blocks.0.attn.qkv.weight", new Shape(3456, 1152));
    decays.put("decoder.blocks.27.mlp.fc2.weight", new Shape(1152, 4096));
    decays.put("decoder.decoder_embed.weight", new Shape(1152, 768));
    decays.put("condensers.0.attn.q_proj.weight", new Shape(768, 768));
    decays.put("queries.proj.weight", new Shape(768, 768));
    Map<String, Shape> exempt = new LinkedHashMap<>();
    exempt.put("decoder.blocks.0.attn.qkv.bias", new Shape(3456));
    exempt.put("decoder.blocks.0.norm1.weight", new Shape(1152));
    exempt.put("decoder.trainable_cls_token", new Shape(1, 1, 1152));
    exempt.put("decoder.decoder_pos_embed", new Shape(1, 257, 1152));
    exempt.put("decoder.query_pos_embed", new Shape(1, 8, 1152));
    exempt.put("queries", new Shape(1, 8, 768));
    exempt.put("rae.queries", new Shape(8, 768));
    exempt.put("encoder.query_tokens", new Shape(8, 768));
    decays.forEach((n, s) -> assertEquals(true, g.decays(n, s), n));
    exempt.forEach((n, s) -> assertEquals(false, g.decays(n, s), n));
  }

  @Test
  void patternsAndTheVectorRuleAreConfigurable() {
    ParamGroups names = new ParamGroups(List.of("head.*", "*.ln?.weight"), false);
    assertEquals(true, names.decays("blocks.0.norm.weight", new Shape(8)), "vector rule off: 1-D decays");
    assertEquals(false, names.decays("head.proj.weight", new Shape(4, 4)));
    assertEquals(false, names.decays("blocks.1.ln2.weight", new Shape(4)));
    assertEquals(true, names.decays("blocks.1.ln22.weight", new Shape(4)), "? is one character");
    assertEquals(true, names.decays("xhead.proj.weight", new Shape(4, 4)), "whole-name match");
    ParamGroups none = new ParamGroups(List.of(), false);
    assertEquals(true, none.decays("decoder.cls_token", new Shape(1, 1, 8)));
    ParamGroups vectors = new ParamGroups(List.of(), true);
    assertEquals(false, vectors.decays("anything.bias", new Shape(8)));
    assertEquals(false, vectors.decays("scalar", new Shape()));
    assertEquals(true, vectors.decays("matrix", new Shape(2, 2)));
  }
}
