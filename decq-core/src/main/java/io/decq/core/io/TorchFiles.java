package io.decq.core.io;

import io.decq.core.error.BadInputException;
import io.decq.core.io.Pickle.StorageRef;
import io.decq.core.io.Pickle.TensorRef;
import io.decq.core.io.Pickle.Tuple;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the tensors of a file written by {@code torch.save} ({@code .pt}, {@code .pth}, {@code .bin},
 * {@code .ckpt}) without Python and without running pickled code.
 *
 * <p>Two layouts: the zip archive of PyTorch >= 1.6 ({@code NAME/data.pkl}, {@code NAME/data/KEY} raw
 * storages, {@code NAME/version}; any folder name; records such as {@code byteorder}, {@code
 * .data/serialization_id}, {@code .format_version}, {@code .storage_alignment} are ignored), and the
 * legacy stream of older releases that real files such as LPIPS's {@code vgg.pth} and torchvision's
 * {@code vgg16-397923af.pth} use (magic-number pickle, protocol pickle, sys-info pickle, the object
 * pickle, the pickled list of storage keys, then per key an int64 little-endian element count and the
 * raw data). The object pickle goes through {@link Pickle}'s fixed allow-list.
 *
 * <p>Nested dicts and lists flatten to dotted names ({@code {"model": {"blocks.0.w": t}}} is {@code
 * model.blocks.0.w}, {@code {"hist": [t0, t1]}} is {@code hist.0}, {@code hist.1}); a list or tuple of
 * plain values (no tensors, no containers) stays one non-tensor entry. Tensors may be any strided view
 * (storage offset, transposes, slices, stride 0, several tensors on one storage): each comes back as
 * its own C-order {@link HostTensor}, a zero-copy slice of the file mapping when it is contiguous.
 * Non-tensor leaves ({@code step}, learning rates, names, None) are returned apart in {@link
 * Contents#nonTensors()}. Storage locations ({@code cpu}, {@code cuda:0}) are ignored.
 */
public final class TorchFiles {
  /** The legacy stream's first pickle. */
  static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);

  private static final int MAX_DEPTH = 64;
  private static final int MAX_ENTRIES = 1_000_000;

  private TorchFiles() {}

  /**
   * What a torch file holds, flattened to dotted names.
   *
   * @param tensors every tensor, in the pickle's order
   * @param nonTensors every other leaf: {@link Long}, {@link BigInteger}, {@link Double}, {@link String},
   *     {@link Boolean}, {@code byte[]}, null (Python None), or a {@link List} of these
   */
  public record Contents(Map<String, HostTensor> tensors, Map<String, Object> nonTensors) {}

  /** Every tensor of a torch file, in the pickle's order. */
  public static Map<String, HostTensor> read(Path file) {
    return readContents(file).tensors();
  }

  /** Every tensor and every non-tensor leaf of a torch file. */
  public static Contents readContents(Path file) {
    byte[] head = new byte[4];
    int n;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      n = ch.read(ByteBuffer.wrap(head));
    } catch (NoSuchFileException e) {
      throw new BadInputException(file + ": file not found");
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read: " + e.getMessage());
    }
    if (n >= 2 && head[0] == 'P' && head[1] == 'K') {
      return readZip(file);
    }
    if (n >= 2 && (head[0] & 0xFF) == 0x80 && head[1] == 2) {
      return readLegacy(file);
    }
    throw new BadInputException(file + ": not a torch.save file (neither a zip archive nor the legacy pickle stream"
        + (n <= 0 ? "; the file is empty" : "") + ")");
  }

  private static Contents readZip(Path file) {
    try (ZipRecords zip = ZipRecords.open(file)) {
      String prefix = null;
      for (String name : zip.entries().keySet()) {
        int slash = name.indexOf('/');
        if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) {
          prefix = name.substring(0, slash + 1);
          break;
        }
      }
      if (prefix == null) {
        throw new BadInputException(file + ": zip archive without NAME/data.pkl: not a torch.save checkpoint");
      }
      if (zip.entries().containsKey(prefix + "constants.pkl")) {
        throw new BadInputException(file + ": a TorchScript archive (torch.jit.save); save model.state_dict() "
            + "with torch.save instead");
      }
      ByteBuffer order = zip.read(prefix + "byteorder");
      if (order != null) {
        String o = StandardCharsets.US_ASCII.decode(order).toString().trim();
        if (!o.equals("little")) {
          throw new BadInputException(file + ": storages are " + o + "-endian; only little-endian files are read");
        }
      }
      String source = file + ": " + prefix + "data.pkl";
      Map<String, StorageRef> storages = new HashMap<>();
      Object root = Pickle.load(zip.read(prefix + "data.pkl"), source, pid -> zipStorage(source, pid, storages));
      String dataPrefix = prefix + "data/";
      Map<String, ByteBuffer> bytes = new HashMap<>();
      return flatten(file, root, s -> bytes.computeIfAbsent(s.key(), k -> {
        ByteBuffer b = zip.read(dataPrefix + k);
        if (b == null) {
          if (s.numel() == 0) {
            return ByteBuffer.allocate(0);
          }
          throw new BadInputException(file + ": storage record " + dataPrefix + k + " is missing");
        }
        return b;
      }));
    }
  }

  /** {@code ('storage', torch.FloatStorage, key, location, numel)}. */
  private static StorageRef zipStorage(String source, Object pid, Map<String, StorageRef> seen) {
    Tuple t = storageTuple(source, pid, 5);
    String key = string(source, t.get(2), "storage key");
    long numel = count(source, t.get(4), "storage size");
    return seen.computeIfAbsent(key + "/" + storageType(source, t.get(1)),
        k -> new StorageRef(key, storageType(source, t.get(1)), numel, 0));
  }

  private static Contents readLegacy(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      ByteBuffer head = ch.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(size, Integer.MAX_VALUE));
      String src = file.toString();
      Object magic = Pickle.load(head, src, null);
      if (!LEGACY_MAGIC.equals(magic instanceof Long l ? BigInteger.valueOf(l) : magic)) {
        throw new BadInputException(file + ": not a torch.save file (a pickle, but without torch's magic number)");
      }
      Object protocol = Pickle.load(head, src, null);
      if (!Long.valueOf(1001).equals(protocol)) {
        throw new BadInputException(file + ": legacy torch protocol " + protocol + " (only 1001 is read)");
      }
      Object sysInfo = Pickle.load(head, src, null);
      if (sysInfo instanceof Map<?, ?> info && Boolean.FALSE.equals(info.get("little_endian"))) {
        throw new BadInputException(file + ": written on a big-endian machine; only little-endian files are read");
      }
      Map<String, StorageRef> roots = new LinkedHashMap<>();
      Map<String, StorageRef> views = new HashMap<>();
      Object root = Pickle.load(head, src, pid -> legacyStorage(src, pid, roots, views));
      Object keys = Pickle.load(head, src, null);
      if (!(keys instanceof List<?> keyList)) {
        throw new BadInputException(file + ": the storage-key pickle is not a list (corrupt legacy file)");
      }
      long pos = head.position();
      Map<String, ByteBuffer> bytes = new HashMap<>();
      for (Object k : keyList) {
        String key = string(src, k, "storage key");
        StorageRef s = roots.get(key);
        if (s == null) {
          throw new BadInputException(file + ": storage " + key + " is listed but no tensor uses it (corrupt legacy file)");
        }
        if (pos + 8 > size) {
          throw truncated(file, key, pos + 8, size);
        }
        ByteBuffer countBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        while (countBuf.hasRemaining()) {
          if (ch.read(countBuf, pos + countBuf.position()) < 0) {
            throw truncated(file, key, pos + 8, size);
          }
        }
        long numel = countBuf.getLong(0);
        if (numel != s.numel()) {
          throw new BadInputException(file + ": storage " + key + " holds " + numel + " elements but the pickle says "
              + s.numel() + " (corrupt legacy file)");
        }
        long len = numel * s.dtype().bytes();
        if (len > Integer.MAX_VALUE) {
          throw new BadInputException(file + ": storage " + key + " is over 2 GB; storages that large are not read");
        }
        if (pos + 8 + len > size) {
          throw truncated(file, key, pos + 8 + len, size);
        }
        bytes.put(key, len == 0 ? ByteBuffer.allocate(0) : ch.map(FileChannel.MapMode.READ_ONLY, pos + 8, len));
        pos += 8 + len;
      }
      return flatten(file, root, s -> {
        ByteBuffer b = bytes.get(s.key());
        if (b == null) {
          throw new BadInputException(file + ": storage " + s.key() + " is not in the file's storage list");
        }
        return b;
      });
    } catch (NoSuchFileException e) {
      throw new BadInputException(file + ": file not found");
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read: " + e.getMessage());
    }
  }

  private static BadInputException truncated(Path file, String key, long needed, long size) {
    return new BadInputException(file + ": truncated: storage " + key + " needs the file to reach byte " + needed
        + " but it has " + size + " bytes");
  }

  /**
   * {@code ('storage', torch.FloatStorage, root_key, location, numel, view_metadata)}, where a view is
   * {@code (view_key, offset, view_size)} into the root storage.
   */
  private static StorageRef legacyStorage(String source, Object pid, Map<String, StorageRef> roots,
      Map<String, StorageRef> views) {
    if (pid instanceof Tuple t && t.size() > 0 && "module".equals(t.get(0))) {
      throw new BadInputException(source + ": holds a pickled nn.Module (torch.save(model)); "
          + "save model.state_dict() instead");
    }
    Tuple t = storageTuple(source, pid, 6);
    DType dtype = storageType(source, t.get(1));
    String key = string(source, t.get(2), "storage key");
    long numel = count(source, t.get(4), "storage size");
    StorageRef root = roots.computeIfAbsent(key, k -> new StorageRef(k, dtype, numel, 0));
    Object view = t.get(5);
    if (view == null) {
      return root;
    }
    if (!(view instanceof Tuple v) || v.size() != 3) {
      throw new BadInputException(source + ": storage view " + Pickle.describe(view) + " is not (key, offset, size)");
    }
    String viewKey = string(source, v.get(0), "storage view key");
    long offset = count(source, v.get(1), "storage view offset");
    long viewSize = count(source, v.get(2), "storage view size");
    if (offset + viewSize > root.numel()) {
      throw new BadInputException(source + ": storage view " + viewKey + " exceeds storage " + key);
    }
    return views.computeIfAbsent(viewKey, k -> new StorageRef(key, dtype, viewSize, offset));
  }

  private static Tuple storageTuple(String source, Object pid, int arity) {
    if (!(pid instanceof Tuple t) || t.size() != arity || !"storage".equals(t.get(0))) {
      throw new BadInputException(source + ": persistent id " + Pickle.describe(pid)
          + " is not ('storage', type, key, location, size" + (arity == 6 ? ", view" : "") + ")");
    }
    return t;
  }

  private static DType storageType(String source, Object o) {
    if (o instanceof Pickle.Global g && g.module().equals("torch") && Pickle.STORAGE_TYPES.containsKey(g.name())) {
      return Pickle.STORAGE_TYPES.get(g.name());
    }
    throw new BadInputException(source + ": " + Pickle.describe(o) + " is not a storage type");
  }

  private static String string(String source, Object o, String what) {
    if (o instanceof String s) {
      return s;
    }
    throw new BadInputException(source + ": " + what + " " + Pickle.describe(o) + " is not a string");
  }

  private static long count(String source, Object o, String what) {
    if (o instanceof Long l && l >= 0) {
      return l;
    }
    throw new BadInputException(source + ": " + what + " " + Pickle.describe(o) + " is not a count");
  }

  /** The raw bytes behind a storage key. */
  private interface StorageBytes {
    ByteBuffer of(StorageRef storage);
  }

  private static Contents flatten(Path file, Object root, StorageBytes bytes) {
    if (size(file, root, 0, new IdentityHashMap<>()) > MAX_ENTRIES) {
      throw new BadInputException(file + ": more than " + MAX_ENTRIES + " entries (containers shared over and over?)");
    }
    Map<String, HostTensor> tensors = new LinkedHashMap<>();
    Map<String, Object> others = new LinkedHashMap<>();
    walk(file, root, "", bytes, tensors, others);
    return new Contents(tensors, others);
  }

  /**
   * The number of nodes a walk would visit, saturating above {@link #MAX_ENTRIES}; memoised by identity so
   * that containers shared many times over through the pickle memo (a "billion laughs") cost nothing to
   * count, and a container inside itself fails on depth.
   */
  private static long size(Path file, Object o, int depth, Map<Object, Long> memo) {
    if (depth > MAX_DEPTH) {
      throw new BadInputException(file + ": containers nest deeper than " + MAX_DEPTH + " levels (cyclic?)");
    }
    if (!(o instanceof Map || o instanceof Tuple || o instanceof List)) {
      return 1;
    }
    Long known = memo.get(o);
    if (known != null) {
      return known;
    }
    Collection<?> children = o instanceof Map<?, ?> m ? m.values() : o instanceof Tuple t ? t.items() : (List<?>) o;
    long n = 1;
    for (Object c : children) {
      n = Math.min(MAX_ENTRIES + 1L, n + size(file, c, depth + 1, memo));
    }
    memo.put(o, n);
    return n;
  }

  private static void walk(Path file, Object o, String name, StorageBytes bytes, Map<String, HostTensor> tensors,
      Map<String, Object> others) {
    if (o instanceof TensorRef t) {
      claim(file, name, tensors, others);
      tensors.put(name, materialise(file, name, t, bytes.of(t.storage())));
    } else if (o instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        walk(file, e.getValue(), join(name, keyName(file, name, e.getKey())), bytes, tensors, others);
      }
    } else if (o instanceof List<?> || o instanceof Tuple) {
      List<?> items = o instanceof Tuple t ? t.items() : (List<?>) o;
      if (items.stream().allMatch(TorchFiles::isPlain)) {
        claim(file, name, tensors, others);
        others.put(name, new ArrayList<>(items));
      } else {
        for (int i = 0; i < items.size(); i++) {
          walk(file, items.get(i), join(name, Integer.toString(i)), bytes, tensors, others);
        }
      }
    } else if (isPlain(o)) {
      claim(file, name, tensors, others);
      others.put(name, o);
    } else {
      throw new BadInputException(file + ": '" + name + "' is " + Pickle.describe(o) + ", neither a tensor nor a plain value");
    }
  }

  private static boolean isPlain(Object o) {
    return o == null || o instanceof Long || o instanceof BigInteger || o instanceof Double || o instanceof String
        || o instanceof Boolean || o instanceof byte[];
  }

  private static String join(String prefix, String key) {
    return prefix.isEmpty() ? key : prefix + "." + key;
  }

  private static String keyName(Path file, String parent, Object key) {
    if (key instanceof String || key instanceof Long || key instanceof BigInteger || key instanceof Boolean) {
      return key.toString();
    }
    throw new BadInputException(file + ": '" + parent + "' has a key " + Pickle.describe(key)
        + "; only string and integer keys make names");
  }

  private static void claim(Path file, String name, Map<String, HostTensor> tensors, Map<String, Object> others) {
    if (tensors.containsKey(name) || others.containsKey(name)) {
      throw new BadInputException(file + ": two entries flatten to the same name '" + name + "'");
    }
  }

  /**
   * The C-order tensor a strided view describes. A contiguous view is a slice of the storage's bytes
   * (no copy); any other is gathered, a run of bytes at a time along the last dimension when it has
   * stride 1.
   */
  static HostTensor materialise(Path file, String name, TensorRef t, ByteBuffer storage) {
    StorageRef s = t.storage();
    int w = s.dtype().bytes();
    long[] size = t.size();
    long[] stride = t.stride();
    long numel;
    long extent = 0;
    try {
      numel = HostTensor.numel(size);
      for (int d = 0; d < size.length; d++) {
        if (size[d] > 0) {
          extent = Math.addExact(extent, Math.multiplyExact(size[d] - 1, stride[d]));
        }
      }
      if (numel > 0 && Math.addExact(t.offset(), extent) >= s.numel()) {
        throw new BadInputException(file + ": tensor '" + name + "' reads past the end of its storage ("
            + s.numel() + " elements)");
      }
      if (Math.multiplyExact(Math.addExact(s.elementOffset(), s.numel()), (long) w) > storage.limit()) {
        throw new BadInputException(file + ": storage " + s.key() + " of tensor '" + name + "' has "
            + storage.limit() + " bytes, fewer than its " + s.numel() + " " + s.dtype() + " elements need");
      }
    } catch (ArithmeticException e) {
      throw new BadInputException(file + ": tensor '" + name + "' has an impossible size or stride");
    }
    if (numel * w > Integer.MAX_VALUE - 16 && !isContiguous(size, stride)) {
      throw new BadInputException(file + ": tensor '" + name + "' is a non-contiguous view of over 2 GB");
    }
    long base = (s.elementOffset() + t.offset()) * w;
    if (numel == 0) {
      return new HostTensor(s.dtype(), size, ByteBuffer.allocate(0));
    }
    if (isContiguous(size, stride)) {
      ByteBuffer slice = storage.duplicate();
      slice.position(Math.toIntExact(base)).limit(Math.toIntExact(base + numel * w));
      return new HostTensor(s.dtype(), size, slice.slice());
    }
    byte[] out = new byte[(int) (numel * w)];
    int rank = size.length;
    long inner = size[rank - 1];
    long innerStride = stride[rank - 1];
    long[] idx = new long[rank];
    int o = 0;
    for (long row = 0; row < numel / inner; row++) {
      long src = base;
      for (int d = 0; d < rank - 1; d++) {
        src += idx[d] * stride[d] * w;
      }
      if (innerStride == 1) {
        storage.get(Math.toIntExact(src), out, o, (int) (inner * w));
        o += (int) (inner * w);
      } else {
        for (long j = 0; j < inner; j++) {
          storage.get(Math.toIntExact(src + j * innerStride * w), out, o, w);
          o += w;
        }
      }
      for (int d = rank - 2; d >= 0; d--) {
        if (++idx[d] < size[d]) {
          break;
        }
        idx[d] = 0;
      }
    }
    return new HostTensor(s.dtype(), size, ByteBuffer.wrap(out));
  }

  /** Row-major contiguity, ignoring the strides of dimensions of size 1. */
  private static boolean isContiguous(long[] size, long[] stride) {
    long expected = 1;
    for (int d = size.length - 1; d >= 0; d--) {
      if (size[d] != 1 && stride[d] != expected) {
        return false;
      }
      expected *= size[d];
    }
    return true;
  }
}
