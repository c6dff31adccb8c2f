package io.decq.core.io;

import io.decq.core.error.BadInputException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The records of a zip archive read through its central directory (zip64 included), so that stored
 * records, which is how {@code torch.save} writes them, are memory-mapped instead of copied: tensors
 * of any size, nothing read twice. Deflated records (an archive re-packed by another tool) are inflated
 * into memory. Every record's CRC-32 is checked when it is read.
 */
final class ZipRecords implements Closeable {
  /** One central-directory entry. */
  record Entry(String name, int method, int flags, long crc, long compressedSize, long size, long localHeader) {}

  private static final int EOCD = 0x06054b50;
  private static final int ZIP64_LOCATOR = 0x07064b50;
  private static final int ZIP64_EOCD = 0x06064b50;
  private static final int CENTRAL = 0x02014b50;
  private static final int LOCAL = 0x04034b50;

  private final Path file;
  private final FileChannel channel;
  private final long fileSize;
  private final Map<String, Entry> entries;

  private ZipRecords(Path file, FileChannel channel) throws IOException {
    this.file = file;
    this.channel = channel;
    this.fileSize = channel.size();
    this.entries = Collections.unmodifiableMap(readCentralDirectory());
  }

  /** Opens an archive and reads its central directory. */
  static ZipRecords open(Path file) {
    FileChannel ch = null;
    try {
      ch = FileChannel.open(file, StandardOpenOption.READ);
      return new ZipRecords(file, ch);
    } catch (NoSuchFileException e) {
      throw new BadInputException(file + ": file not found");
    } catch (IOException e) {
      closeQuietly(ch);
      throw new BadInputException(file + ": cannot read: " + e.getMessage());
    } catch (RuntimeException e) {
      closeQuietly(ch);
      throw e;
    }
  }

  /** The records by name, in central-directory order. */
  Map<String, Entry> entries() {
    return entries;
  }

  /** A record's bytes (a read-only mapping for stored records), CRC-checked; null when absent. */
  ByteBuffer read(String name) {
    Entry e = entries.get(name);
    if (e == null) {
      return null;
    }
    try {
      ByteBuffer data = data(e);
      CRC32 crc = new CRC32();
      crc.update(data.duplicate());
      if (crc.getValue() != e.crc()) {
        throw bad("record " + name + " fails its CRC-32 check (file corrupt)");
      }
      return data.order(ByteOrder.LITTLE_ENDIAN);
    } catch (IOException ex) {
      throw bad("cannot read record " + name + ": " + ex.getMessage());
    }
  }

  private ByteBuffer data(Entry e) throws IOException {
    if ((e.flags() & 1) != 0) {
      throw bad("record " + e.name() + " is encrypted");
    }
    ByteBuffer local = readAt(e.localHeader(), 30, "local header of " + e.name());
    if (local.getInt(0) != LOCAL) {
      throw bad("record " + e.name() + ": no local header at byte " + e.localHeader() + " (corrupt archive)");
    }
    long start = e.localHeader() + 30 + (local.getShort(26) & 0xFFFF) + (local.getShort(28) & 0xFFFF);
    if (start + e.compressedSize() > fileSize) {
      throw bad("record " + e.name() + " runs past the end of the file (truncated?)");
    }
    if (e.method() == 0) {
      if (e.size() > Integer.MAX_VALUE) {
        throw bad("record " + e.name() + " is over 2 GB; storages that large are not read");
      }
      if (e.compressedSize() != e.size()) {
        throw bad("stored record " + e.name() + " has different stored and real sizes (corrupt archive)");
      }
      return e.size() == 0 ? ByteBuffer.allocate(0) : channel.map(FileChannel.MapMode.READ_ONLY, start, e.size());
    }
    if (e.method() == 8) {
      if (e.size() > Integer.MAX_VALUE - 16 || e.compressedSize() > Integer.MAX_VALUE - 16) {
        throw bad("deflated record " + e.name() + " is over 2 GB; re-save it with torch.save (stored records)");
      }
      ByteBuffer packed = readAt(start, (int) e.compressedSize(), "record " + e.name());
      byte[] out = new byte[(int) e.size()];
      Inflater inflater = new Inflater(true);
      try {
        inflater.setInput(packed);
        int n = 0;
        while (n < out.length && !inflater.finished()) {
          int got = inflater.inflate(out, n, out.length - n);
          if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
            break;
          }
          n += got;
        }
        if (n != out.length) {
          throw bad("deflated record " + e.name() + " inflates to " + n + " bytes, not " + out.length + " (corrupt)");
        }
      } catch (DataFormatException ex) {
        throw bad("deflated record " + e.name() + " is corrupt: " + ex.getMessage());
      } finally {
        inflater.end();
      }
      return ByteBuffer.wrap(out);
    }
    throw bad("record " + e.name() + " uses zip compression method " + e.method() + " (only stored and deflated are read)");
  }

  private Map<String, Entry> readCentralDirectory() throws IOException {
    if (fileSize < 22) {
      throw bad("not a zip archive: " + fileSize + " bytes is too short (truncated?)");
    }
    int tail = (int) Math.min(fileSize, 22 + 65535);
    ByteBuffer end = readAt(fileSize - tail, tail, "end of the archive");
    int eocd = -1;
    for (int i = tail - 22; i >= 0; i--) {
      if (end.getInt(i) == EOCD) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) {
      throw bad("not a complete zip archive: no end-of-central-directory record (truncated or corrupt)");
    }
    long count = end.getShort(eocd + 10) & 0xFFFF;
    long cdSize = end.getInt(eocd + 12) & 0xFFFFFFFFL;
    long cdOffset = end.getInt(eocd + 16) & 0xFFFFFFFFL;
    long eocdPos = fileSize - tail + eocd;
    if (count == 0xFFFF || cdSize == 0xFFFFFFFFL || cdOffset == 0xFFFFFFFFL) {
      if (eocdPos < 20) {
        throw bad("zip64 archive without its zip64 locator (corrupt)");
      }
      ByteBuffer loc = readAt(eocdPos - 20, 20, "zip64 locator");
      if (loc.getInt(0) != ZIP64_LOCATOR) {
        throw bad("zip64 archive without its zip64 locator (corrupt)");
      }
      ByteBuffer z = readAt(loc.getLong(8), 56, "zip64 end record");
      if (z.getInt(0) != ZIP64_EOCD) {
        throw bad("zip64 end record missing (corrupt)");
      }
      count = z.getLong(32);
      cdSize = z.getLong(40);
      cdOffset = z.getLong(48);
    }
    if (cdOffset < 0 || cdSize < 0 || cdOffset + cdSize > eocdPos || cdSize > Integer.MAX_VALUE) {
      throw bad("central directory (" + cdSize + " bytes at " + cdOffset + ") lies outside the file (truncated or corrupt)");
    }
    ByteBuffer cd = readAt(cdOffset, (int) cdSize, "central directory");
    Map<String, Entry> out = new LinkedHashMap<>();
    int p = 0;
    for (long i = 0; i < count; i++) {
      if (p + 46 > cd.limit() || cd.getInt(p) != CENTRAL) {
        throw bad("central directory entry " + i + " is damaged (corrupt archive)");
      }
      int flags = cd.getShort(p + 8) & 0xFFFF;
      int method = cd.getShort(p + 10) & 0xFFFF;
      long crc = cd.getInt(p + 16) & 0xFFFFFFFFL;
      long compressed = cd.getInt(p + 20) & 0xFFFFFFFFL;
      long size = cd.getInt(p + 24) & 0xFFFFFFFFL;
      int nameLen = cd.getShort(p + 28) & 0xFFFF;
      int extraLen = cd.getShort(p + 30) & 0xFFFF;
      int commentLen = cd.getShort(p + 32) & 0xFFFF;
      long local = cd.getInt(p + 42) & 0xFFFFFFFFL;
      if (p + 46 + nameLen + extraLen + commentLen > cd.limit()) {
        throw bad("central directory entry " + i + " is damaged (corrupt archive)");
      }
      byte[] nameBytes = new byte[nameLen];
      cd.get(p + 46, nameBytes);
      String name = new String(nameBytes, StandardCharsets.UTF_8);
      int x = p + 46 + nameLen;
      int xEnd = x + extraLen;
      while (x + 4 <= xEnd) {
        int id = cd.getShort(x) & 0xFFFF;
        int len = cd.getShort(x + 2) & 0xFFFF;
        if (id == 1) {
          int q = x + 4;
          if (size == 0xFFFFFFFFL && q + 8 <= xEnd) {
            size = cd.getLong(q);
            q += 8;
          }
          if (compressed == 0xFFFFFFFFL && q + 8 <= xEnd) {
            compressed = cd.getLong(q);
            q += 8;
          }
          if (local == 0xFFFFFFFFL && q + 8 <= xEnd) {
            local = cd.getLong(q);
          }
        }
        x += 4 + len;
      }
      if (size < 0 || compressed < 0 || local < 0 || local >= fileSize) {
        throw bad("central directory entry " + name + " points outside the file (truncated or corrupt)");
      }
      out.put(name, new Entry(name, method, flags, crc, compressed, size, local));
      p += 46 + nameLen + extraLen + commentLen;
    }
    return out;
  }

  private ByteBuffer readAt(long pos, int len, String what) throws IOException {
    if (pos < 0 || pos + len > fileSize) {
      throw bad(what + " lies outside the file (truncated or corrupt)");
    }
    ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      if (channel.read(b, pos + b.position()) < 0) {
        throw bad(what + ": unexpected end of file");
      }
    }
    return b.flip();
  }

  private BadInputException bad(String what) {
    return new BadInputException(file + ": " + what);
  }

  @Override
  public void close() {
    closeQuietly(channel);
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // nothing was written; closing a read channel cannot lose data
      }
    }
  }
}
