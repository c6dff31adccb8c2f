package io.decq.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.decq.core.config.CheckpointWeights;
import io.decq.core.config.DataConfig;
import io.decq.core.config.EncoderConfig;
import io.decq.core.error.BadInputException;
import io.decq.core.image.ImageFolder;
import io.decq.core.io.DType;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import io.decq.core.latent.LatentLayout;
import io.decq.core.nn.NoGrad;
import io.decq.core.rae.DecqAutoencoder;
import io.decq.core.rae.TrainedAutoencoder;
import io.decq.core.run.Checkpoint;
import io.decq.core.util.Hashes;
import io.decq.core.util.Provenance;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A latent cache ({@code decq cache-latents}): the raw (un-normalised) joint latents [queries ; patches] of a
 * folder of images under one trained stage-1 autoencoder, so that stage 2 reads latents instead of running the
 * frozen encoder every step.
 *
 * <p>Layout of the folder: {@value #INDEX} (format, the autoencoder identity, layout, classes, shards) and
 * shards {@code latents-NNNNN.safetensors}, each holding {@code latents} (N, L, C) in f16 or f32, {@code labels}
 * (N) int64 and, when made with {@code --flip}, {@code latents_flip} (N, L, C): the latents of the horizontally
 * flipped images. Images go through the stage-1 run's preview transform (data.resize, center crop to
 * data.image_size, no flip). Latents are stored raw so stage 2 normalises them with whichever statistics it
 * settles on, and exact query statistics can be computed from the cache itself.
 *
 * <p>Identity: SHA-256 over the bytes of the stage-1 weights file the latents came from ({@code ema} or
 * {@code model.safetensors}) followed by the encoder config (absolute path, family, sizes). A cache is used
 * only with the autoencoder whose identity it records.
 *
 * <p>Dimensions: N samples in a shard, L = Q + T joint tokens, C latent channels.
 */
public final class LatentCache {
  /** The index file of a cache folder. */
  public static final String INDEX = "cache.json";
  public static final String FORMAT = "decq-latent-cache-1";
  static final String LATENTS = "latents";
  static final String FLIPPED = "latents_flip";
  static final String LABELS = "labels";
  private static final Logger LOG = LoggerFactory.getLogger(LatentCache.class);

  private final Path dir;
  private final String identity;
  private final LatentLayout layout;
  private final List<String> classes;
  private final boolean flips;
  private final DType dtype;
  private final List<Map<String, HostTensor>> shards;
  /** Sample offset of each shard, and the total at the end. */
  private final long[] starts;
  private final int[] labels;

  private LatentCache(Path dir, String identity, LatentLayout layout, List<String> classes, boolean flips, DType dtype,
      List<Map<String, HostTensor>> shards, long[] starts, int[] labels) {
    this.dir = dir;
    this.identity = identity;
    this.layout = layout;
    this.classes = classes;
    this.flips = flips;
    this.dtype = dtype;
    this.shards = shards;
    this.starts = starts;
    this.labels = labels;
  }

  /** What {@link #write} did. */
  public record Written(Path dir, int count, int shards, String identity, LatentLayout layout, boolean flips) {}

  /**
   * The identity of a loaded autoencoder: SHA-256 (hex) of its weights file's SHA-256 and its encoder config.
   */
  public static String identity(TrainedAutoencoder ae) {
    Path weights = ae.checkpoint().dir()
        .resolve(ae.weights() == CheckpointWeights.EMA ? Checkpoint.EMA : Checkpoint.MODEL);
    EncoderConfig e = ae.config().encoder();
    String encoder = "encoder " + Path.of(e.path()).toAbsolutePath().normalize() + " " + e.family() + " " + e.imageSize()
        + " " + e.inputSize();
    return Hashes.sha256(Hashes.sha256(weights) + "\n" + encoder);
  }

  /**
   * Encodes every image of {@code images} once with {@code ae} and writes the cache to {@code out}.
   *
   * @param flip also store the latents of each image flipped left-right
   * @param dtype F16 or F32
   * @param shardSize samples per shard
   * @param batch images per encoder pass
   */
  @SuppressWarnings("try") // NoGrad is opened for its effect
  public static Written write(TrainedAutoencoder ae, Path images, Path out, boolean flip, DType dtype, int shardSize,
      int batch) {
    if (dtype != DType.F16 && dtype != DType.F32) {
      throw new BadInputException("--dtype: must be f16 or f32, got " + dtype.name().toLowerCase(Locale.ROOT));
    }
    ImageFolder folder = ImageFolder.scan(images, "--images");
    DataConfig data = ae.config().data();
    if (Files.exists(out.resolve(INDEX))) {
      throw new BadInputException("--out " + out + ": already holds a latent cache (" + INDEX + "); choose another folder");
    }
    DecqAutoencoder a = ae.autoencoder();
    LatentLayout layout = new LatentLayout(a.queryCount(), (int) Math.round(Math.sqrt(a.patchTokens())), a.width());
    String identity = identity(ae);
    long t0 = System.nanoTime();
    int n = folder.size();
    int perSample = layout.tokens() * layout.channels() * dtype.bytes();
    List<JsonObject> shardEntries = new ArrayList<>();
    ShardBuffer shard = new ShardBuffer(flip);
    try {
      Files.createDirectories(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // Epoch 0 of the stream visits each image exactly once (in a fixed shuffled order; labels travel along).
    try (ImageLoader loader = new ImageLoader(folder, Augmentation.preview(data), batch, 0, data.numWorkers(),
        data.prefetch());
        NDManager manager = NDManager.newBaseManager(ae.encoder().device());
        NoGrad ng = NoGrad.enter()) {
      for (int done = 0; done < n; ) {
        HostBatch b = loader.next();
        int take = Math.min(batch, n - done);
        try (NDManager step = manager.newSubManager()) {
          NDArray x = b.images(step).toType(DataType.FLOAT32, false).div(255f); // (B, 3, S, S)
          byte[] plain = bytes(a.rawLatent(x), dtype); // (B, L, C)
          byte[] flipped = flip ? bytes(a.rawLatent(x.flip(3)), dtype) : null; // (B, L, C)
          for (int k = 0; k < take; k++) {
            shard.add(plain, flipped, k * perSample, perSample, b.labels()[k]);
            if (shard.count == shardSize) {
              shardEntries.add(shard.write(out, shardEntries.size(), layout, dtype, identity));
              shard = new ShardBuffer(flip);
            }
          }
        }
        done += take;
      }
    }
    if (shard.count > 0) {
      shardEntries.add(shard.write(out, shardEntries.size(), layout, dtype, identity));
    }
    JsonObject index = new JsonObject();
    index.addProperty("format", FORMAT);
    index.addProperty("identity", identity);
    index.addProperty("ae_checkpoint", ae.checkpoint().dir().toAbsolutePath().toString());
    index.addProperty("ae_weights", ae.weights().name().toLowerCase(Locale.ROOT));
    index.addProperty("encoder", Path.of(ae.config().encoder().path()).toAbsolutePath().normalize().toString());
    index.addProperty("images", folder.root().toAbsolutePath().toString());
    index.addProperty("count", n);
    index.addProperty("queries", layout.queries());
    index.addProperty("grid", layout.grid());
    index.addProperty("channels", layout.channels());
    index.addProperty("dtype", dtype.name());
    index.addProperty("flip", flip);
    JsonArray classes = new JsonArray();
    folder.classes().forEach(classes::add);
    index.add("classes", classes);
    JsonArray shardList = new JsonArray();
    shardEntries.forEach(shardList::add);
    index.add("shards", shardList);
    index.add("provenance", Provenance.of("cache-latents", Map.of("ae", ae.checkpoint().dir().toAbsolutePath().toString(),
        "images", folder.root().toAbsolutePath().toString())));
    Gson gson = new GsonBuilder().setPrettyPrinting().create();
    try {
      Files.writeString(out.resolve(INDEX), gson.toJson(index) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    LOG.info(String.format(Locale.ROOT, "latent cache %s: %d images%s, %d shards, %.1f s", out, n, flip ? " (and flipped)" : "",
        shardEntries.size(), (System.nanoTime() - t0) / 1e9));
    return new Written(out, n, shardEntries.size(), identity, layout, flip);
  }

  private static byte[] bytes(NDArray latent, DType dtype) {
    return latent.toType(dtype.djl(), false).toByteArray();
  }

  /** One shard's samples, accumulated in host memory until written. */
  private static final class ShardBuffer {
    final ByteArrayOutputStream plain = new ByteArrayOutputStream();
    final ByteArrayOutputStream flipped;
    final List<Long> labels = new ArrayList<>();
    int count;

    ShardBuffer(boolean flip) {
      flipped = flip ? new ByteArrayOutputStream() : null;
    }

    void add(byte[] plainBytes, byte[] flippedBytes, int offset, int length, int label) {
      plain.write(plainBytes, offset, length);
      if (flipped != null) {
        flipped.write(flippedBytes, offset, length);
      }
      labels.add((long) label);
      count++;
    }

    JsonObject write(Path out, int index, LatentLayout layout, DType dtype, String identity) {
      String name = String.format(Locale.ROOT, "latents-%05d.safetensors", index);
      long[] shape = {count, layout.tokens(), layout.channels()};
      Map<String, HostTensor> tensors = new LinkedHashMap<>();
      tensors.put(LATENTS, host(dtype, shape, plain.toByteArray()));
      if (flipped != null) {
        tensors.put(FLIPPED, host(dtype, shape, flipped.toByteArray()));
      }
      tensors.put(LABELS, HostTensor.ofLongs(new long[] {count}, labels.stream().mapToLong(Long::longValue).toArray()));
      SafeTensors.write(out.resolve(name), tensors, Map.of("format", FORMAT, "identity", identity));
      JsonObject entry = new JsonObject();
      entry.addProperty("file", name);
      entry.addProperty("count", count);
      return entry;
    }

    private static HostTensor host(DType dtype, long[] shape, byte[] bytes) {
      return new HostTensor(dtype, shape, ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()));
    }
  }

  /**
   * Opens a cache folder (shards memory-mapped).
   *
   * @param key the config key or option naming it, for messages
   * @throws BadInputException when the folder is not a latent cache or is damaged
   */
  public static LatentCache open(Path dir, String key) {
    Path indexFile = dir.resolve(INDEX);
    if (!Files.isRegularFile(indexFile)) {
      throw new BadInputException(key + " " + dir + ": no " + INDEX + "; expected a folder written by decq cache-latents");
    }
    JsonObject index;
    try {
      index = JsonParser.parseString(Files.readString(indexFile)).getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (JsonParseException | IllegalStateException e) {
      throw new BadInputException(key + " " + indexFile + ": not valid JSON (" + e.getMessage() + ")");
    }
    if (!index.has("format") || !FORMAT.equals(index.get("format").getAsString())) {
      throw new BadInputException(key + " " + indexFile + ": format " + index.get("format") + ", expected " + FORMAT);
    }
    try {
      return read(dir, key, index);
    } catch (NullPointerException | ClassCastException | IllegalStateException | IllegalArgumentException
        | UnsupportedOperationException e) {
      throw new BadInputException(key + " " + indexFile + ": malformed (a key is missing or has the wrong type: " + e + ")");
    }
  }

  private static LatentCache read(Path dir, String key, JsonObject index) {
    LatentLayout layout = new LatentLayout(index.get("queries").getAsInt(), index.get("grid").getAsInt(),
        index.get("channels").getAsInt());
    List<String> classes = new ArrayList<>();
    index.getAsJsonArray("classes").forEach(c -> classes.add(c.getAsString()));
    boolean flips = index.get("flip").getAsBoolean();
    DType dtype = DType.valueOf(index.get("dtype").getAsString());
    JsonArray shardList = index.getAsJsonArray("shards");
    List<Map<String, HostTensor>> shards = new ArrayList<>();
    long[] starts = new long[shardList.size() + 1];
    List<Integer> labels = new ArrayList<>();
    for (int s = 0; s < shardList.size(); s++) {
      Path file = dir.resolve(shardList.get(s).getAsJsonObject().get("file").getAsString());
      if (!Files.isRegularFile(file)) {
        throw new BadInputException(key + " " + dir + ": shard " + file.getFileName() + " listed in " + INDEX + " is missing");
      }
      Map<String, HostTensor> t = SafeTensors.read(file);
      HostTensor latents = t.get(LATENTS);
      long[] expected = {shardList.get(s).getAsJsonObject().get("count").getAsLong(), layout.tokens(), layout.channels()};
      if (latents == null || !Arrays.equals(latents.shape(), expected) || latents.dtype() != dtype
          || !t.containsKey(LABELS) || (flips && !t.containsKey(FLIPPED))) {
        throw new BadInputException(key + " " + file + ": does not hold the " + LATENTS + " " + Arrays.toString(expected)
            + " " + dtype + (flips ? ", " + FLIPPED : "") + " and " + LABELS + " tensors " + INDEX + " describes");
      }
      for (long l : t.get(LABELS).toLongs()) {
        labels.add((int) l);
      }
      shards.add(t);
      starts[s + 1] = starts[s] + expected[0];
    }
    return new LatentCache(dir, index.get("identity").getAsString(), layout, List.copyOf(classes), flips, dtype, shards,
        starts, labels.stream().mapToInt(Integer::intValue).toArray());
  }

  /**
   * Refuses a cache made with another autoencoder than {@code ae} (by the recorded identity) or for another latent.
   *
   * @param key the config key naming the cache, for messages
   */
  public void checkMadeWith(TrainedAutoencoder ae, String aeKey, String key) {
    String expected = identity(ae);
    if (!expected.equals(identity)) {
      throw new BadInputException(key + " " + dir + ": made with another autoencoder (identity " + identity.substring(0, 12)
          + "..., but " + aeKey + " " + ae.checkpoint().dir() + " with " + ae.weights().name().toLowerCase(Locale.ROOT)
          + " weights and its encoder gives " + expected.substring(0, 12) + "...); make the cache with decq cache-latents --ae "
          + ae.checkpoint().runDir());
    }
  }

  /** The folder. */
  public Path dir() {
    return dir;
  }

  /** The joint-latent layout of the samples. */
  public LatentLayout layout() {
    return layout;
  }

  /** The class folder names (labels are indices into it). */
  public List<String> classes() {
    return classes;
  }

  /** Whether flipped copies are stored. */
  public boolean hasFlips() {
    return flips;
  }

  /** The stored element type. */
  public DType dtype() {
    return dtype;
  }

  /** Number of samples. */
  public int size() {
    return labels.length;
  }

  /** The label of sample {@code i}. */
  public int label(int i) {
    return labels[i];
  }

  /** Bytes per sample ({@code L * C} elements of {@link #dtype()}). */
  int sampleBytes() {
    return layout.tokens() * layout.channels() * dtype.bytes();
  }

  /** Copies the stored bytes of sample {@code i} (its flipped copy when {@code flipped}) into {@code dst} at {@code offset}. */
  void copySample(int i, boolean flipped, byte[] dst, int offset) {
    int s = 0;
    while (starts[s + 1] <= i) {
      s++;
    }
    ByteBuffer data = shards.get(s).get(flipped ? FLIPPED : LATENTS).data().duplicate();
    int bytes = sampleBytes();
    data.position((int) ((i - starts[s]) * bytes));
    data.get(dst, offset, bytes);
  }
}
