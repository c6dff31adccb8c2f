package io.decq.eval;

import io.decq.core.error.BadInputException;
import io.decq.eval.fid.FidPreprocess;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options of the commands that run the FID Inception network (a picocli mixin). */
public class InceptionOptions {
  @Option(names = "--inception", required = true, paramLabel = "W",
      description = "FID Inception weights: pytorch-fid's pt_inception-2015-12-05-6726825d.pth or a .safetensors "
          + "with the same state-dict keys; or random[:SEED] for seeded random weights (a pipeline check whose numbers "
          + "say nothing about quality).")
  Path weights;

  @Option(names = "--preprocess", defaultValue = "tf", paramLabel = "tf|torch",
      description = "tf (default): TF1 bilinear resize, as the ADM evaluator and torch-fidelity (what papers report); "
          + "torch: pytorch-fid's PyTorch bilinear resize.")
  String preprocess = "tf";

  @Option(names = "--batch", defaultValue = "50", paramLabel = "N", description = "Images per forward (default 50).")
  int batch = 50;

  FidPreprocess preprocess() {
    return FidPreprocess.parse(preprocess);
  }

  int batch() {
    if (batch < 1) {
      throw new BadInputException("--batch " + batch + ": must be >= 1");
    }
    return batch;
  }
}
