package io.decq.core.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import io.decq.core.config.ConfigException;
import io.decq.core.config.ConfigLoader;
import io.decq.core.config.EncoderConfig;
import io.decq.core.config.EncoderConfig.Family;
import io.decq.core.error.BadInputException;
import io.decq.core.nn.Activations;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading HF config.json files and the {@code encoder} config section. */
class HfVisionConfigTest {
  static HfVisionConfig parse(String json) {
    return HfVisionConfig.parse(JsonParser.parseString(json).getAsJsonObject(), "config.json");
  }

  @Test
  void goldenConfigs() {
    HfVisionConfig d = HfVisionConfig.read(Golden.file("dinov2_reg_config.json"));
    assertEquals(Family.DINOV2_REG, d.family());
    assertEquals(64, d.hiddenSize());
    assertEquals(256, d.mlpHidden());
    assertEquals(37, d.storedGrid());
    assertEquals(5, d.prefixTokens());
    assertEquals(Activations.Kind.GELU, d.act());
    HfVisionConfig s = HfVisionConfig.read(Golden.file("siglip_vision_config.json"));
    assertEquals(Family.SIGLIP2, s.family());
    assertEquals(16, s.storedGrid());
    assertEquals(0, s.prefixTokens());
    assertEquals(Activations.Kind.GELU_TANH, s.act());
  }

  @Test
  void fullSiglipModelConfigUsesItsVisionConfigWithHfDefaults() {
    HfVisionConfig s = parse("{\"model_type\": \"siglip\", \"text_config\": {\"hidden_size\": 1},"
        + " \"vision_config\": {\"image_size\": 256, \"model_type\": \"siglip_vision_model\"}}");
    assertEquals(HfVisionConfig.siglip2Base(), s);
  }

  @Test
  void baseDinov2ConfigMatchesThePreset() {
    HfVisionConfig d = parse("{\"model_type\": \"dinov2_with_registers\", \"image_size\": 518, \"patch_size\": 14,"
        + " \"layerscale_value\": 1.0}");
    assertEquals(HfVisionConfig.dinov2RegBase(), d);
  }

  @Test
  void unsupportedModelsAreNamed() {
    for (String[] c : new String[][] {
        {"{\"model_type\": \"dinov2\"}", "without registers"},
        {"{\"model_type\": \"siglip2\"}", "NaFlex"},
        {"{\"model_type\": \"clip\"}", "'clip' is not a supported encoder"},
        {"{\"model_type\": \"dinov2_with_registers\", \"use_swiglu_ffn\": true}", "use_swiglu_ffn"},
        {"{\"model_type\": \"siglip_vision_model\", \"hidden_act\": \"relu\"}", "hidden_act"},
        {"{\"model_type\": \"siglip_vision_model\", \"hidden_size\": 100, \"num_attention_heads\": 12}", "inconsistent sizes"},
        {"{\"model_type\": \"siglip_vision_model\", \"patch_size\": \"big\"}", "patch_size"}}) {
      BadInputException e = assertThrows(BadInputException.class, () -> parse(c[0]), c[0]);
      assertTrue(e.getMessage().startsWith("config.json") && e.getMessage().contains(c[1]), e.getMessage());
    }
  }

  @Test
  void encoderSectionBindsAndValidates() {
    EncoderConfig e = ConfigLoader.load(null, List.of("encoder.family=siglip2", "encoder.path=/m")).encoder();
    assertEquals(Family.SIGLIP2, e.family());
    assertEquals("/m", e.path());
    assertEquals(256, e.imageSize());
    ConfigException bad = assertThrows(ConfigException.class, () -> ConfigLoader.load(null, List.of("encoder.family=clip")));
    assertTrue(bad.getMessage().contains("encoder.family") && bad.getMessage().contains("dinov2-reg"), bad.getMessage());
    assertEquals(Family.DINOV2_REG, Family.parse("dinov2_reg", "--family"));
  }

  @Test
  void referenceYamlDocumentsTheDefaults() {
    Path root = Path.of(System.getProperty("decq.test.data", "../src-test-data")).getParent();
    assertEquals(EncoderConfig.defaults(), ConfigLoader.load(root.resolve("configs/reference.yaml"), List.of()).encoder());
  }

  @Test
  void inputSizeMustFitThePatch() {
    EncoderConfig odd = new EncoderConfig(null, Family.AUTO, 256, 230);
    BadInputException e = assertThrows(BadInputException.class, () -> FrozenEncoder.random(
        HfVisionConfig.read(Golden.file("dinov2_reg_config.json")), 0, odd, ai.djl.Device.cpu()));
    assertTrue(e.getMessage().contains("encoder.input_size") && e.getMessage().contains("14"), e.getMessage());
  }
}
