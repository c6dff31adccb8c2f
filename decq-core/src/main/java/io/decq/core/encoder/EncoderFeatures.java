package io.decq.core.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import io.decq.core.error.BadInputException;
import io.decq.core.io.DType;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The frozen encoder's outputs for a list of images, written to one safetensors file: {@code latent}
 * (N, T, C) and, for each requested hidden state i, {@code hidden_states.<i>} (N, P + T, C) (HF layout:
 * prefix tokens first); the metadata lists the images in batch order ({@code images}, a JSON array).
 *
 * <p>Dimensions: N images, T patch tokens, P prefix tokens (CLS and registers), C encoder width.
 */
public final class EncoderFeatures {
  private EncoderFeatures() {}

  /** What {@link #write} wrote. */
  public record Result(Path out, int images, int width, int tokens, Set<Integer> hiddenStates, double seconds) {}

  /**
   * Encodes {@code files} {@code batch} at a time and writes {@code out}.
   *
   * @param taps hidden-state indices to write, each in 0..depth (0 = embeddings, k = after block k)
   * @throws BadInputException for a tap out of range, a batch below 1, or outputs over 2 GB per tensor
   */
  public static Result write(FrozenEncoder encoder, List<Path> files, Set<Integer> taps, int batch, Path out) {
    if (batch < 1) {
      throw new BadInputException("batch size: must be >= 1, got " + batch);
    }
    Set<Integer> sorted = new TreeSet<>(taps);
    for (int t : sorted) {
      if (t < 0 || t > encoder.depth()) {
        throw new BadInputException("hidden state " + t + ": out of range 0.." + encoder.depth() + " for "
            + encoder.source());
      }
    }
    long start = System.nanoTime();
    int n = files.size();
    int c = encoder.width();
    int patches = encoder.patchTokens();
    int tokens = encoder.prefixTokens() + patches;
    ByteBuffer latent = allocate((long) n * patches * c);
    Map<Integer, ByteBuffer> hidden = new LinkedHashMap<>();
    for (int t : sorted) {
      hidden.put(t, allocate((long) n * tokens * c));
    }
    try (NDManager manager = NDManager.newBaseManager(encoder.device())) {
      for (int from = 0; from < n; from += batch) {
        List<Path> chunk = files.subList(from, Math.min(n, from + batch));
        try (NDManager step = manager.newSubManager()) {
          NDArray x = ImageBatches.load(step, chunk, encoder.imageSize()); // (B, 3, S, S)
          EncoderOutput o = encoder.encode(x, sorted);
          put(latent, o.latent()); // (B, T, C)
          for (int t : sorted) {
            put(hidden.get(t), o.hiddenStates().get(t)); // (B, P + T, C)
          }
        }
      }
    }
    Map<String, HostTensor> tensors = new LinkedHashMap<>();
    tensors.put("latent", new HostTensor(DType.F32, new long[] {n, patches, c}, latent.flip()));
    for (Map.Entry<Integer, ByteBuffer> e : hidden.entrySet()) {
      tensors.put("hidden_states." + e.getKey(), new HostTensor(DType.F32, new long[] {n, tokens, c}, e.getValue().flip()));
    }
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("images", new Gson().toJson(files.stream().map(Path::toString).collect(Collectors.toList())));
    meta.put("encoder", encoder.source());
    meta.put("family", encoder.family().key());
    meta.put("hidden_states", sorted.stream().map(String::valueOf).collect(Collectors.joining(",")));
    meta.put("image_size", Integer.toString(encoder.imageSize()));
    meta.put("input_size", Integer.toString(encoder.inputSize()));
    SafeTensors.write(out, tensors, meta);
    return new Result(out, n, c, patches, sorted, (System.nanoTime() - start) / 1e9);
  }

  private static ByteBuffer allocate(long floats) {
    if (floats * 4 > Integer.MAX_VALUE - 8) {
      throw new BadInputException("the outputs would exceed 2 GB per tensor (" + floats
          + " values); encode fewer images per file or fewer hidden states");
    }
    return ByteBuffer.allocate((int) (floats * 4)).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static void put(ByteBuffer dst, NDArray a) {
    float[] v = a.toFloatArray();
    dst.asFloatBuffer().put(v);
    dst.position(dst.position() + v.length * 4);
  }
}
