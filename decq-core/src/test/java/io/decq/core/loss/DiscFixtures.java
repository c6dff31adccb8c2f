package io.decq.core.loss;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.decq.core.io.HostTensor;
import io.decq.core.io.WeightFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The golden discriminator: sizes from case.json and the backbone's tensors, weights from the .pth / .pt files. */
final class DiscFixtures {
  private DiscFixtures() {}

  static DinoDiscriminator.Config config() {
    JsonObject disc = LossGolden.caseJson().getAsJsonObject("disc");
    JsonObject recipe = disc.getAsJsonObject("recipe");
    JsonObject arch = disc.getAsJsonObject("arch");
    List<Integer> keys = new ArrayList<>();
    for (var e : (JsonArray) arch.get("key_depths")) {
      keys.add(e.getAsInt());
    }
    int patch = recipe.get("patch_size").getAsInt();
    long tokens = backbone().get("pos_embed").shape()[1] - 1;
    int image = (int) Math.round(Math.sqrt(tokens)) * patch;
    return new DinoDiscriminator.Config(recipe.get("depth").getAsInt(), recipe.get("embed_dim").getAsInt(),
        recipe.get("num_heads").getAsInt(), patch, image, recipe.get("mlp_ratio").getAsDouble(), keys,
        arch.get("ks").getAsInt(), recipe.get("norm_eps").getAsDouble());
  }

  static Map<String, HostTensor> backbone() {
    return WeightFiles.read(LossGolden.file("disc/dino_backbone.pth"));
  }

  /** A discriminator with the golden backbone and heads (u, v as stored). */
  static DinoDiscriminator load() {
    DinoDiscriminator d = DinoDiscriminator.create(config(), backbone(), "dino_backbone.pth", Device.cpu(), 0);
    d.loadStateDict(WeightFiles.read(LossGolden.file("disc/disc_heads.pt")), "disc_heads.pt", null);
    return d;
  }

  /** Draws stored as {@code <prefix>flags} (3) and {@code <prefix>rand} (7, B, 1, 1). */
  static DiffAug.Draws draws(Map<String, HostTensor> t, String flags, String rand) {
    return new DiffAug.Draws(t.get(flags).toFloats(), t.get(rand).toFloats());
  }

  static NDArray u8ToSigned(HostTensor u8, NDManager m) {
    return u8.toNDArray(m).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).div(255f).mul(2f).sub(1f);
  }
}
