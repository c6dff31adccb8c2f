package io.decq.eval.fid;

import io.decq.core.error.BadInputException;
import io.decq.core.io.HostTensor;
import io.decq.core.io.Npy;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Single members of an {@code .npz} without reading the others (an ADM reference batch stores ~2 GB of
 * images in {@code arr_0} beside its few-MB statistics).
 */
final class NpzArrays {
  private NpzArrays() {}

  /** The array names of the archive (members without their {@code .npy} suffix), in archive order. */
  static Set<String> names(Path npz) {
    try (ZipFile zip = open(npz)) {
      Set<String> out = new LinkedHashSet<>();
      Enumeration<? extends ZipEntry> entries = zip.entries();
      while (entries.hasMoreElements()) {
        String n = entries.nextElement().getName();
        out.add(n.endsWith(".npy") ? n.substring(0, n.length() - 4) : n);
      }
      return out;
    } catch (IOException e) {
      throw new BadInputException(npz + ": cannot read: " + e.getMessage());
    }
  }

  /** One array; a missing name is a {@link BadInputException} listing the archive's names. */
  static HostTensor read(Path npz, String name) {
    try (ZipFile zip = open(npz)) {
      ZipEntry e = zip.getEntry(name + ".npy");
      if (e == null) {
        throw new BadInputException(npz + ": no array '" + name + "' (has: " + String.join(", ", names(npz)) + ")");
      }
      try (InputStream in = new BufferedInputStream(zip.getInputStream(e), 1 << 16)) {
        return Npy.read(in, npz + ":" + name);
      }
    } catch (IOException e) {
      throw new BadInputException(npz + ": cannot read '" + name + "': " + e.getMessage());
    }
  }

  private static ZipFile open(Path npz) {
    if (!Files.isRegularFile(npz)) {
      throw new BadInputException(npz + ": file not found");
    }
    try {
      return new ZipFile(npz.toFile());
    } catch (ZipException e) {
      throw new BadInputException(npz + ": not a valid .npz (zip) archive: " + e.getMessage());
    } catch (IOException e) {
      throw new BadInputException(npz + ": cannot read: " + e.getMessage());
    }
  }
}
