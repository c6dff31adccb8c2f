package io.decq.core.io;

import io.decq.core.error.BadInputException;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy's {@code .npy} format (versions 1.0, 2.0, 3.0): the magic {@code \x93NUMPY}, a version, a
 * little-endian header length, a Python dict literal {@code {'descr': '<f4', 'fortran_order': False,
 * 'shape': (2, 3), }} padded to a multiple of 64 bytes, then the raw data. Reads the numeric dtypes of
 * {@link DType} in either byte order and either memory order (converted to little-endian C order);
 * object arrays are refused. Writes version 1.0 C-order little-endian, as {@code numpy.save} does.
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private Npy() {}

  /** A parsed header: dtype, shape, memory order and byte order of the data that follows. */
  public record Header(DType dtype, long[] shape, boolean fortranOrder, ByteOrder byteOrder) {
    public long numel() {
      return HostTensor.numel(shape);
    }

    public long dataBytes() {
      return numel() * dtype.bytes();
    }
  }

  /** Reads a whole {@code .npy} file. */
  public static HostTensor read(Path file) {
    try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      return read(in, file.toString());
    } catch (NoSuchFileException e) {
      throw new BadInputException(file + ": file not found");
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read: " + e.getMessage());
    }
  }

  /** Reads one array from a stream; {@code source} names it in messages. */
  public static HostTensor read(InputStream in, String source) throws IOException {
    Header h = readHeader(in, source);
    long bytes = h.dataBytes();
    if (bytes > Integer.MAX_VALUE - 16) {
      throw new BadInputException(source + ": array of " + bytes + " bytes is too large to load whole; read it in chunks");
    }
    byte[] raw = new byte[(int) bytes];
    try {
      new DataInputStream(in).readFully(raw);
    } catch (EOFException e) {
      throw new BadInputException(source + ": truncated: the header promises " + bytes + " data bytes");
    }
    ByteBuffer data = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    if (h.byteOrder() == ByteOrder.BIG_ENDIAN && h.dtype().bytes() > 1) {
      swapBytes(raw, h.dtype().bytes());
    }
    HostTensor t = new HostTensor(h.dtype(), h.shape(), data);
    return h.fortranOrder() ? toCOrder(t) : t;
  }

  /** Reads and validates the magic, version and header dict, leaving the stream at the data. */
  public static Header readHeader(InputStream in, String source) throws IOException {
    DataInputStream din = new DataInputStream(in);
    byte[] magic = new byte[8];
    try {
      din.readFully(magic);
    } catch (EOFException e) {
      throw new BadInputException(source + ": too short for a .npy header");
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (magic[i] != MAGIC[i]) {
        throw new BadInputException(source + ": not a .npy array (bad magic)");
      }
    }
    int major = magic[6];
    long headerLen;
    if (major == 1) {
      headerLen = (din.readUnsignedByte()) | (din.readUnsignedByte() << 8);
    } else if (major == 2 || major == 3) {
      byte[] b = new byte[4];
      din.readFully(b);
      headerLen = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
    } else {
      throw new BadInputException(source + ": unsupported .npy version " + major + "." + magic[7]);
    }
    if (headerLen > 1 << 20) {
      throw new BadInputException(source + ": .npy header of " + headerLen + " bytes is implausible");
    }
    byte[] hb = new byte[(int) headerLen];
    try {
      din.readFully(hb);
    } catch (EOFException e) {
      throw new BadInputException(source + ": truncated .npy header");
    }
    String dict = new String(hb, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    Matcher d = DESCR.matcher(dict);
    Matcher f = FORTRAN.matcher(dict);
    Matcher s = SHAPE.matcher(dict);
    if (!d.find() || !f.find() || !s.find()) {
      throw new BadInputException(source + ": .npy header is not {'descr', 'fortran_order', 'shape'}: " + dict.trim());
    }
    String descr = d.group(1);
    ByteOrder order = descr.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    DType dtype = switch (descr.length() > 1 ? descr.substring(1) : descr) {
      case "f8" -> DType.F64;
      case "f4" -> DType.F32;
      case "f2" -> DType.F16;
      case "i8" -> DType.I64;
      case "i4" -> DType.I32;
      case "i2" -> DType.I16;
      case "i1" -> DType.I8;
      case "u1" -> DType.U8;
      case "b1" -> DType.BOOL;
      default -> throw new BadInputException(source + ": unsupported .npy dtype '" + descr
          + "' (supported: float64/32/16, int64/32/16/8, uint8, bool)");
    };
    String[] dims = s.group(1).split(",");
    long[] shape = java.util.Arrays.stream(dims).map(String::trim).filter(x -> !x.isEmpty())
        .mapToLong(x -> {
          try {
            return Long.parseLong(x.endsWith("L") ? x.substring(0, x.length() - 1) : x);
          } catch (NumberFormatException e) {
            throw new BadInputException(source + ": bad shape in .npy header: (" + s.group(1) + ")");
          }
        }).toArray();
    return new Header(dtype, shape, f.group(1).equals("True"), order);
  }

  /** Writes one array as {@code .npy} version 1.0 (C order, little-endian). */
  public static void write(OutputStream out, HostTensor t) throws IOException {
    out.write(header(t.dtype(), t.shape()));
    ByteBuffer d = t.data().duplicate();
    byte[] chunk = new byte[1 << 16];
    while (d.hasRemaining()) {
      int n = Math.min(chunk.length, d.remaining());
      d.get(chunk, 0, n);
      out.write(chunk, 0, n);
    }
  }

  /** Writes a {@code .npy} file atomically. */
  public static void write(Path file, HostTensor t) {
    AtomicFiles.write(file, out -> write(out, t));
  }

  /** The bytes of a version-1.0 header for an array of this dtype and shape. */
  public static byte[] header(DType dtype, long[] shape) {
    String descr = switch (dtype) {
      case F64 -> "<f8";
      case F32 -> "<f4";
      case F16 -> "<f2";
      case I64 -> "<i8";
      case I32 -> "<i4";
      case I16 -> "<i2";
      case I8 -> "|i1";
      case U8 -> "|u1";
      case BOOL -> "|b1";
      case BF16 -> throw new IllegalArgumentException("numpy has no bfloat16; convert to float32 first");
    };
    StringBuilder sh = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      sh.append(shape[i]).append(shape.length == 1 ? "," : (i + 1 < shape.length ? ", " : ""));
    }
    sh.append(')');
    String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + sh + ", }";
    int total = MAGIC.length + 2 + 2 + dict.length() + 1;
    int pad = (64 - total % 64) % 64;
    String padded = dict + " ".repeat(pad) + "\n";
    ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 4 + padded.length()).order(ByteOrder.LITTLE_ENDIAN);
    b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) padded.length());
    b.put(padded.getBytes(StandardCharsets.ISO_8859_1));
    return b.array();
  }

  private static void swapBytes(byte[] raw, int width) {
    for (int i = 0; i < raw.length; i += width) {
      for (int a = i, z = i + width - 1; a < z; a++, z--) {
        byte tmp = raw[a];
        raw[a] = raw[z];
        raw[z] = tmp;
      }
    }
  }

  /** Reorders a Fortran-order (column-major) array's data into C order. */
  private static HostTensor toCOrder(HostTensor t) {
    long[] shape = t.shape();
    int n = Math.toIntExact(t.numel());
    int w = t.dtype().bytes();
    byte[] src = new byte[n * w];
    t.data().duplicate().get(src);
    byte[] dst = new byte[n * w];
    int rank = shape.length;
    long[] idx = new long[rank];
    for (int c = 0; c < n; c++) {
      // c enumerates C order; compute the Fortran offset of the same multi-index.
      long f = 0;
      long stride = 1;
      for (int k = 0; k < rank; k++) {
        f += idx[k] * stride;
        stride *= shape[k];
      }
      System.arraycopy(src, (int) f * w, dst, c * w, w);
      for (int k = rank - 1; k >= 0; k--) {
        if (++idx[k] < shape[k]) {
          break;
        }
        idx[k] = 0;
      }
    }
    return new HostTensor(t.dtype(), shape, ByteBuffer.wrap(dst));
  }
}
