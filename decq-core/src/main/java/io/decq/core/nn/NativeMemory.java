package io.decq.core.nn;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Diagnostics for native-memory leaks: live DJL arrays and the process's resident memory. */
public final class NativeMemory {
  private NativeMemory() {}

  /** The number of open NDArrays in every manager of the engine (the system manager's tree). */
  public static int liveArrays() {
    try (NDManager probe = NDManager.newBaseManager()) {
      return probe.getParentManager().getManagedArrays().size();
    }
  }

  /** The resident set size of this process in bytes (Linux {@code /proc/self/status}); -1 where unavailable. */
  public static long residentBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
