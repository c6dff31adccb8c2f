package io.decq.core.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writing files so that a reader never sees half of one: write a temp file beside it, then rename. */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** What goes into the file. */
  @FunctionalInterface
  public interface Writer {
    void write(OutputStream out) throws IOException;
  }

  /** Writes {@code file} atomically (parent folders are created). */
  public static void write(Path file, Writer body) {
    Path abs = file.toAbsolutePath();
    try {
      Files.createDirectories(abs.getParent());
      // A plain new file (not createTempFile, which makes it 0600): the result gets the usual permissions.
      Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + ProcessHandle.current().pid() + "."
          + Thread.currentThread().getId() + "." + System.nanoTime() + ".tmp");
      try {
        try (OutputStream out = new BufferedOutputStream(
            Files.newOutputStream(tmp, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE), 1 << 20)) {
          body.write(out);
        }
        move(tmp, abs);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes a UTF-8 string atomically. */
  public static void writeString(Path file, String text) {
    write(file, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  /** Renames {@code from} to {@code to} atomically where the file system allows it. */
  public static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
