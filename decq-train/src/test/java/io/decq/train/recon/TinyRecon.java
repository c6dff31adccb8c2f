package io.decq.train.recon;

import io.decq.core.cli.Decq;
import io.decq.core.config.ConfigLoader;
import io.decq.core.config.DecqConfig;
import io.decq.core.image.Images;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;

/** configs/tiny-recon.yaml for tests: its relative paths made absolute (tests run in the module folder), plus overrides. */
public final class TinyRecon {
  public static final Path DATA = Path.of(System.getProperty("decq.test.data"));
  public static final Path CONFIG = DATA.getParent().resolve("configs").resolve("tiny-recon.yaml");
  public static final Path ENCODER = DATA.resolve("encoders").resolve("dinov2-reg-tiny");
  public static final Path TRAIN = DATA.resolve("images").resolve("train");
  public static final Path VAL = DATA.resolve("images").resolve("val");
  public static final Path GAN_CONFIG = DATA.getParent().resolve("configs").resolve("tiny-recon-gan.yaml");
  public static final Path LOSSES = DATA.resolve("golden").resolve("losses");
  public static final Path VGG = LOSSES.resolve("lpips").resolve("vgg16_features.f16.safetensors");
  public static final Path LIN = LOSSES.resolve("lpips").resolve("lpips_v0.1_vgg_lin.safetensors");
  public static final Path DINO = LOSSES.resolve("disc").resolve("dino_backbone.safetensors");
  public static final Path HEADS = LOSSES.resolve("disc").resolve("disc_heads.safetensors");

  private TinyRecon() {}

  /** --set overrides: the tiny config's paths, absolute, then {@code more}. */
  public static List<String> overrides(String... more) {
    List<String> out = new ArrayList<>(List.of(
        "encoder.path=" + ENCODER, "data.path=" + TRAIN, "data.val_path=" + VAL));
    out.addAll(Arrays.asList(more));
    return out;
  }

  public static DecqConfig config(String... more) {
    return ConfigLoader.load(CONFIG, overrides(more));
  }

  /** configs/tiny-recon-gan.yaml with every path absolute, then {@code more}. */
  static DecqConfig ganConfig(String... more) {
    List<String> all = new ArrayList<>(List.of("loss.lpips_trunk=" + VGG, "loss.lpips_lin=" + LIN,
        "loss.disc_backbone=" + DINO, "loss.disc_heads=" + HEADS));
    all.addAll(Arrays.asList(more));
    return ConfigLoader.load(GAN_CONFIG, overrides(all.toArray(new String[0])));
  }

  /** {@code decq train recon --config tiny --out OUT --set ...} arguments. */
  public static String[] trainArgs(Path out, String... more) {
    List<String> args = new ArrayList<>(List.of("train", "recon", "--config", CONFIG.toString(), "--out", out.toString()));
    for (String o : overrides(more)) {
      args.add("--set");
      args.add(o);
    }
    return args.toArray(new String[0]);
  }

  /** The exit code and the captured output of one launcher call. */
  public record Run(int code, String out, String err) {}

  public static Run decq(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Decq.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  /**
   * A small ImageNet-style folder: the first {@code perClass} training photos of each of {@code classes}
   * class folders of src-test-data/images/train.
   */
  public static Path subset(Path dir, int classes, int perClass) {
    try {
      List<Path> classDirs;
      try (var s = Files.list(TRAIN)) {
        classDirs = s.filter(Files::isDirectory).sorted().limit(classes).toList();
      }
      for (Path c : classDirs) {
        Path target = Files.createDirectories(dir.resolve(c.getFileName().toString()));
        for (Path f : Images.list(c).subList(0, perClass)) {
          Files.copy(f, target.resolve(f.getFileName().toString()));
        }
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
