package io.decq.eval.fid;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The golden FID-Inception state dict: the conv / fc weights regenerated from the generator specs of
 * {@code fid_inception_generated.json} (golden README section 3) plus the stored BatchNorm parameters and
 * {@code fc.bias} of {@code fid_inception_stored_params.safetensors}. Test code only.
 */
public final class FidGoldenWeights {
  private FidGoldenWeights() {}

  public static Path goldenDir() {
    return Path.of(System.getProperty("decq.golden.dir", "../src-test-data/golden"));
  }

  /** The golden input images {@code fid_input<i>.png}, one per row of the expected features. */
  public static List<RgbImage> inputImages() {
    long n = SafeTensors.read(goldenDir().resolve("fid_inception_expected.safetensors")).get("torch_fidelity.pool3").shape()[0];
    List<RgbImage> images = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      images.add(Images.read(goldenDir().resolve("fid_input" + i + ".png")));
    }
    return images;
  }

  /** One generated tensor's spec and checksums. */
  record Spec(String key, long[] shape, long seed, double bound, double checkSum, double checkSumSq, float[] first4, float last) {}

  static JsonObject generatedJson() {
    try {
      return JsonParser.parseString(Files.readString(goldenDir().resolve("fid_inception_generated.json"))).getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Spec> specs() {
    List<Spec> out = new ArrayList<>();
    for (JsonElement el : generatedJson().getAsJsonArray("tensors")) {
      JsonObject o = el.getAsJsonObject();
      JsonArray shape = o.getAsJsonArray("shape");
      long[] dims = new long[shape.size()];
      for (int i = 0; i < dims.length; i++) {
        dims[i] = shape.get(i).getAsLong();
      }
      JsonArray f4 = o.getAsJsonArray("first4");
      float[] first4 = new float[f4.size()];
      for (int i = 0; i < first4.length; i++) {
        first4[i] = (float) f4.get(i).getAsDouble();
      }
      out.add(new Spec(o.get("key").getAsString(), dims, o.get("seed").getAsLong(),
          Double.parseDouble(o.get("bound").getAsString()), o.get("check_sum").getAsDouble(),
          o.get("check_sum_sq").getAsDouble(), first4, (float) o.get("last").getAsDouble()));
    }
    return out;
  }

  /** {@code w[i] = (float) ((2 u_i - 1) bound)}, {@code u_i = SplittableRandom(seed).nextDouble()}, row-major. */
  static float[] generate(long seed, double bound, int n) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] w = new float[n];
    for (int i = 0; i < n; i++) {
      w[i] = (float) ((2.0 * r.nextDouble() - 1.0) * bound);
    }
    return w;
  }

  /** The full state dict (generated + stored), in the golden key order. */
  public static Map<String, HostTensor> stateDict() {
    Map<String, HostTensor> all = new LinkedHashMap<>(SafeTensors.read(goldenDir().resolve("fid_inception_stored_params.safetensors")));
    for (Spec s : specs()) {
      all.put(s.key(), HostTensor.ofFloats(s.shape(), generate(s.seed(), s.bound(), Math.toIntExact(HostTensor.numel(s.shape())))));
    }
    Map<String, HostTensor> ordered = new LinkedHashMap<>();
    for (JsonElement k : generatedJson().getAsJsonArray("state_dict_key_order")) {
      ordered.put(k.getAsString(), all.get(k.getAsString()));
    }
    return ordered;
  }
}
