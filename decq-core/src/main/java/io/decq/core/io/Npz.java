package io.decq.core.io;

import io.decq.core.error.BadInputException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * NumPy's {@code .npz}: a zip archive of {@code NAME.npy} members, stored ({@code numpy.savez}, what the
 * ADM evaluator writes) or deflated ({@code savez_compressed}). Arrays are named without the {@code
 * .npy} suffix ({@code arr_0}, {@code mu}, {@code sigma}).
 */
public final class Npz {
  /** The modification time of every member: fixed, so that equal arrays give equal files. */
  private static final LocalDateTime ENTRY_TIME = LocalDateTime.of(1980, 1, 1, 0, 0);

  private Npz() {}

  /** Every array of the archive, in archive order. */
  public static Map<String, HostTensor> read(Path file) {
    Map<String, HostTensor> out = new LinkedHashMap<>();
    try (ZipFile zip = open(file)) {
      Enumeration<? extends ZipEntry> entries = zip.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        if (e.isDirectory()) {
          continue;
        }
        String name = e.getName().endsWith(".npy") ? e.getName().substring(0, e.getName().length() - 4) : e.getName();
        try (InputStream in = new BufferedInputStream(zip.getInputStream(e), 1 << 16)) {
          out.put(name, Npy.read(in, file + ":" + e.getName()));
        }
      }
    } catch (ZipException e) {
      throw new BadInputException(file + ": not a valid .npz (zip) archive: " + e.getMessage());
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read: " + e.getMessage());
    }
    return out;
  }

  /**
   * Opens one member for streaming (large sample batches such as {@code arr_0} of 50,000 images):
   * the header is parsed, the returned stream is positioned at the data. Close the archive after use.
   */
  public static Member stream(Path file, String name) {
    ZipFile zip = open(file);
    try {
      ZipEntry e = zip.getEntry(name + ".npy");
      if (e == null) {
        StringBuilder names = new StringBuilder();
        zip.stream().forEach(z -> names.append(names.length() == 0 ? "" : ", ").append(z.getName().replace(".npy", "")));
        zip.close();
        throw new BadInputException(file + ": no array '" + name + "' (has: " + names + ")");
      }
      InputStream in = new BufferedInputStream(zip.getInputStream(e), 1 << 20);
      Npy.Header h = Npy.readHeader(in, file + ":" + e.getName());
      if (h.fortranOrder()) {
        zip.close();
        throw new BadInputException(file + ": array '" + name + "' is in Fortran order; cannot stream it");
      }
      return new Member(zip, h, in);
    } catch (IOException ex) {
      try {
        zip.close();
      } catch (IOException ignored) {
        // already failing
      }
      throw new BadInputException(file + ": cannot read '" + name + "': " + ex.getMessage());
    }
  }

  /** An open archive member: its header and a stream over its data. */
  public record Member(ZipFile zip, Npy.Header header, InputStream data) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      data.close();
      zip.close();
    }
  }

  /** Writes arrays (sorted by name) as an uncompressed archive, like {@code numpy.savez}; atomic. */
  public static void write(Path file, Map<String, HostTensor> arrays) {
    AtomicFiles.write(file, raw -> {
      ZipOutputStream zip = new ZipOutputStream(raw);
      for (Map.Entry<String, HostTensor> e : new TreeMap<>(arrays).entrySet()) {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        Npy.write(buf, e.getValue());
        byte[] bytes = buf.toByteArray();
        CRC32 crc = new CRC32();
        crc.update(bytes);
        ZipEntry entry = new ZipEntry(e.getKey() + ".npy");
        entry.setTimeLocal(ENTRY_TIME);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(bytes.length);
        entry.setCompressedSize(bytes.length);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(bytes);
        zip.closeEntry();
      }
      zip.finish();
    });
  }

  /**
   * A member of {@link #writeStreamed}: an array whose data are the concatenation of byte sources (raw
   * little-endian C-order elements), never held in memory whole.
   */
  public record StreamedMember(String name, DType dtype, long[] shape, List<ByteSource> data) {}

  /** Bytes that can be read more than once (a file, a member of another archive). */
  @FunctionalInterface
  public interface ByteSource {
    InputStream open() throws IOException;
  }

  /**
   * Writes arrays whose data are streamed from {@link ByteSource}s, as an uncompressed archive like
   * {@code numpy.savez} (members in the given order; ZIP64 when large); atomic. Each source is read twice
   * (the CRC first, then the data), so memory stays flat for any size. The bytes depend only on the
   * arrays: entry times are fixed, so the same arrays always give the same file.
   */
  public static void writeStreamed(Path file, List<StreamedMember> members) {
    AtomicFiles.write(file, raw -> {
      ZipOutputStream zip = new ZipOutputStream(raw);
      byte[] chunk = new byte[1 << 16];
      for (StreamedMember m : members) {
        byte[] header = Npy.header(m.dtype(), m.shape());
        long expected = m.dtype().bytes();
        for (long d : m.shape()) {
          expected *= d;
        }
        CRC32 crc = new CRC32();
        crc.update(header);
        long size = 0;
        for (ByteSource src : m.data()) {
          try (InputStream in = src.open()) {
            for (int n; (n = in.read(chunk)) > 0; ) {
              crc.update(chunk, 0, n);
              size += n;
            }
          }
        }
        if (size != expected) {
          throw new IllegalStateException(m.name() + ": " + size + " data bytes for shape " + Arrays.toString(m.shape())
              + " (" + expected + " expected)");
        }
        ZipEntry entry = new ZipEntry(m.name() + ".npy");
        entry.setTimeLocal(ENTRY_TIME);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(header.length + size);
        entry.setCompressedSize(header.length + size);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(header);
        for (ByteSource src : m.data()) {
          try (InputStream in = src.open()) {
            in.transferTo(zip);
          }
        }
        zip.closeEntry();
      }
      zip.finish();
    });
  }

  private static ZipFile open(Path file) {
    if (!Files.exists(file)) {
      throw new BadInputException(file + ": file not found");
    }
    try {
      return new ZipFile(file.toFile());
    } catch (NoSuchFileException e) {
      throw new BadInputException(file + ": file not found");
    } catch (ZipException e) {
      throw new BadInputException(file + ": not a valid .npz (zip) archive: " + e.getMessage());
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read: " + e.getMessage());
    }
  }
}
