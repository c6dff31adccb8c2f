package io.decq.core.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.decq.core.error.BadInputException;

/** Turns {@code --device auto|cpu|gpu|gpu:N} into a DJL device. */
public final class Devices {
  private Devices() {}

  /** The device named by {@code spec}; {@code auto} is the first GPU when DJL sees one, else the CPU. */
  public static Device select(String spec) {
    String s = spec == null ? "auto" : spec.trim().toLowerCase(java.util.Locale.ROOT);
    int gpus = Engine.getInstance().getGpuCount();
    switch (s) {
      case "auto":
        return gpus > 0 ? Device.gpu(0) : Device.cpu();
      case "cpu":
        return Device.cpu();
      case "gpu":
        s = "gpu:0";
        break;
      default:
        break;
    }
    if (s.startsWith("gpu:")) {
      int id;
      try {
        id = Integer.parseInt(s.substring(4));
      } catch (NumberFormatException e) {
        throw new BadInputException("--device " + spec + ": expected auto, cpu, gpu or gpu:N");
      }
      if (id < 0 || id >= gpus) {
        throw new BadInputException("--device " + spec + ": "
            + (gpus == 0 ? "no GPU is visible to PyTorch (CPU build, or no CUDA device)" : "only gpu:0..gpu:" + (gpus - 1) + " exist"));
      }
      return Device.gpu(id);
    }
    throw new BadInputException("--device " + spec + ": expected auto, cpu, gpu or gpu:N");
  }
}
