package io.decq.eval.recon;

import io.decq.core.error.BadInputException;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import io.decq.eval.fid.FeatureExtraction;
import io.decq.eval.fid.FidInception;
import io.decq.eval.fid.FidPreprocess;
import io.decq.eval.fid.FrechetDistance;
import io.decq.eval.iq.ImageQuality;
import io.decq.eval.iq.IqReport;
import io.decq.eval.iq.PsnrDefinition;
import io.decq.eval.iq.SsimDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconstruction quality over a list of images: PSNR and SSIM of every reconstruction against its input
 * (the reconstruction rounded to 8 bits, as a saved PNG) and, with an FID Inception network, rFID: the
 * Frechet distance between the Inception statistics of the inputs and of the reconstructions (RAE's rFID,
 * which runs the ADM evaluator on the reconstructions against the inputs). Streams in batches: memory holds
 * one batch, the running feature moments and the few worst pairs a report shows. The plain method behind
 * {@code decq eval recon} and {@code decq reconstruct}.
 */
public final class ReconEvaluation {
  private static final Logger LOG = LoggerFactory.getLogger(ReconEvaluation.class);
  private static final long LOG_EVERY_NANOS = 10_000_000_000L;

  private ReconEvaluation() {}

  /**
   * @param psnr the PSNR definition
   * @param ssim the SSIM definition
   * @param batch images per reconstruction (and Inception) forward
   * @param saveDir where to write the reconstructions as {@code NAME.png}, or null
   * @param inception the FID network for rFID, or null for none
   * @param preprocess the FID preprocessing (used with {@code inception})
   * @param shownPairs how many of the lowest-PSNR pairs to keep for a report
   */
  public record Options(PsnrDefinition psnr, SsimDefinition ssim, int batch, Path saveDir, FidInception inception,
      FidPreprocess preprocess, int shownPairs) {
    public Options {
      if (batch < 1) {
        throw new BadInputException("--batch " + batch + ": must be >= 1");
      }
    }

    /** These options with the FID network {@code net} (null: no rFID). */
    public Options withInception(FidInception net) {
      return new Options(psnr, ssim, batch, saveDir, net, preprocess, shownPairs);
    }
  }

  /**
   * @param quality PSNR and SSIM of each reconstruction against its input (in input order) and the means
   * @param rfid the rFID, or null without an Inception network
   * @param worst the pairs with the lowest PSNR (at most {@link Options#shownPairs()}), lowest first:
   *     input left, reconstruction right
   * @param saved the reconstructions written, in input order (empty without a save folder)
   * @param seconds wall time of the whole evaluation
   */
  public record Result(ImageQuality.Result quality, Double rfid, List<IqReport.ShownPair> worst, List<Path> saved,
      double seconds) {
    public double imagesPerSecond() {
      return quality.perImage().size() / seconds;
    }
  }

  /**
   * Reconstructs and scores every image of {@code files} (names: the file names without extension, which
   * must be unique).
   *
   * @throws BadInputException before any reconstruction for duplicate names, fewer than 2 images with rFID,
   *     an image that is not {@code ae.imageSize()} square or cannot be read, or a save folder that holds the
   *     inputs or cannot be created
   */
  public static Result run(Reconstructor ae, List<Path> files, Options o) {
    List<String> names = checkImages(files, o.inception() != null, o.saveDir());
    checkSizes(files, ae.imageSize());
    if (o.saveDir() != null) {
      createDirectories(o.saveDir());
    }
    long start = System.nanoTime();
    long lastLog = start;
    List<ImageQuality.PairScore> scores = new ArrayList<>();
    List<Path> saved = new ArrayList<>();
    PriorityQueue<IqReport.ShownPair> worst = new PriorityQueue<>(
        (a, b) -> IqReport.WORST_FIRST.compare(b.score(), a.score())); // head: the best of the kept
    FeatureExtraction.Options fo = new FeatureExtraction.Options(o.preprocess(), o.batch(), false, false);
    try (FeatureExtraction.Accumulator inputs = o.inception() == null ? null
            : new FeatureExtraction.Accumulator(o.inception(), fo, "inputs", files.size());
        FeatureExtraction.Accumulator recons = o.inception() == null ? null
            : new FeatureExtraction.Accumulator(o.inception(), fo, "reconstructions", files.size())) {
      for (int from = 0; from < files.size(); from += o.batch()) {
        List<RgbImage> originals = new ArrayList<>();
        for (Path f : files.subList(from, Math.min(files.size(), from + o.batch()))) {
          originals.add(Images.read(f));
        }
        List<RgbImage> recon = ae.reconstruct(originals);
        for (int i = 0; i < recon.size(); i++) {
          String name = names.get(from + i);
          ImageQuality.PairScore s = ImageQuality.score(name, originals.get(i), recon.get(i), o.psnr(), o.ssim());
          scores.add(s);
          worst.add(new IqReport.ShownPair(s, originals.get(i), recon.get(i)));
          if (worst.size() > o.shownPairs()) {
            worst.poll();
          }
          if (o.saveDir() != null) {
            Path file = o.saveDir().resolve(name + ".png");
            Images.writePng(recon.get(i), file);
            saved.add(file);
          }
        }
        if (inputs != null) {
          inputs.add(originals);
          recons.add(recon);
        }
        long now = System.nanoTime();
        if (now - lastLog > LOG_EVERY_NANOS) {
          LOG.info(String.format(Locale.ROOT, "%d/%d images, %.2f images/s", scores.size(), files.size(),
              scores.size() / ((now - start) / 1e9)));
          lastLog = now;
        }
      }
      Double rfid = inputs == null ? null : FrechetDistance.compute(inputs.result().pool(), recons.result().pool());
      List<IqReport.ShownPair> shown = new ArrayList<>(worst);
      shown.sort((a, b) -> IqReport.WORST_FIRST.compare(a.score(), b.score()));
      double seconds = (System.nanoTime() - start) / 1e9;
      ImageQuality.Result quality = ImageQuality.summarize(o.psnr(), o.ssim(), scores);
      LOG.info(String.format(Locale.ROOT, "%d images in %.1f s (%.2f images/s): mean PSNR %.4f dB, mean SSIM %.6f%s",
          scores.size(), seconds, scores.size() / seconds, quality.meanPsnr(), quality.meanSsim(),
          rfid == null ? "" : String.format(Locale.ROOT, ", rFID %.4f", rfid)));
      return new Result(quality, rfid, shown, saved, seconds);
    }
  }

  /**
   * The checks that need no model, for a command to run before loading one: unique names, at least 2
   * images with rFID, and a save folder (may be null) other than the inputs' folder. Returns the names
   * ({@link #names}).
   */
  public static List<String> checkImages(List<Path> files, boolean rfid, Path saveDir) {
    List<String> names = names(files);
    if (rfid && files.size() < 2) {
      throw new BadInputException("--images: " + files.size() + " image; rFID (--inception) compares two covariances, "
          + "which need at least 2 images");
    }
    if (saveDir != null && Files.isDirectory(saveDir)) {
      Set<Path> folders = new HashSet<>();
      files.forEach(f -> folders.add(f.toAbsolutePath().getParent()));
      for (Path folder : folders) {
        if (sameFile(folder, saveDir)) {
          throw new BadInputException(saveDir + ": is the --images folder; the reconstructions would replace the inputs");
        }
      }
    }
    return names;
  }

  /** The report names of {@code files}: file names without extension; two files with one name are refused. */
  public static List<String> names(List<Path> files) {
    List<String> names = new ArrayList<>();
    Map<String, Path> seen = new HashMap<>();
    for (Path f : files) {
      String file = f.getFileName().toString();
      int dot = file.lastIndexOf('.');
      String name = dot > 0 ? file.substring(0, dot) : file;
      Path previous = seen.put(name, f);
      if (previous != null) {
        throw new BadInputException("--images: " + previous.getFileName() + " and " + file + " share the name " + name
            + " (reports and reconstructions are named by it); keep one");
      }
      names.add(name);
    }
    return names;
  }

  /** Checks from the file headers, before any work, that every image is {@code side x side}. */
  static void checkSizes(List<Path> files, int side) {
    for (Path f : files) {
      int[] wh = dimensions(f);
      if (wh[0] != side || wh[1] != side) {
        throw new BadInputException(f + ": image is " + wh[0] + "x" + wh[1] + " but the autoencoder takes " + side + "x"
            + side + " (encoder.image_size); crop or resize it first");
      }
    }
  }

  /** {width, height} from the image header, without decoding the pixels. */
  private static int[] dimensions(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new BadInputException(file + ": image file not found");
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
      if (readers == null || !readers.hasNext()) {
        throw new BadInputException(file + ": not a readable image (expected PNG, JPEG or BMP)");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in);
        return new int[] {reader.getWidth(0), reader.getHeight(0)};
      } finally {
        reader.dispose();
      }
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read the image header (" + e.getMessage() + ")");
    }
  }

  private static boolean sameFile(Path a, Path b) {
    try {
      return Files.isSameFile(a, b);
    } catch (IOException e) {
      throw new BadInputException(b + ": cannot compare with " + a + " (" + e.getMessage() + ")");
    }
  }

  private static void createDirectories(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new BadInputException(dir + ": cannot create the folder (" + e.getMessage() + ")");
    }
  }
}
