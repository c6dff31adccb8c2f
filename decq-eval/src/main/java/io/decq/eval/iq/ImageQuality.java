package io.decq.eval.iq;

import io.decq.core.error.BadInputException;
import io.decq.core.image.ImageFolder;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * PSNR and SSIM of candidate images against reference images: one pair at a time ({@link #score}) or
 * two folders paired by file name ({@link #evaluate}). Means are plain averages over the pairs.
 */
public final class ImageQuality {
  private ImageQuality() {}

  /** The scores of one pair. */
  public record PairScore(String name, double psnr, double ssim) {}

  /** A reference image and its candidate, paired by name. */
  public record ImagePair(String name, Path reference, Path candidate) {}

  /**
   * Scores of every pair and their means.
   *
   * @param psnrDefinition how PSNR was computed
   * @param ssimDefinition how SSIM was computed
   * @param perImage one entry per pair, sorted by name
   * @param meanPsnr mean over pairs (+Infinity if any pair is identical under {@link PsnrDefinition#UINT8})
   * @param meanSsim mean over pairs
   */
  public record Result(PsnrDefinition psnrDefinition, SsimDefinition ssimDefinition, List<PairScore> perImage,
      double meanPsnr, double meanSsim) {
    public Result {
      perImage = List.copyOf(perImage);
    }
  }

  /** PSNR and SSIM of one same-sized pair. */
  public static PairScore score(String name, RgbImage reference, RgbImage candidate, PsnrDefinition psnr,
      SsimDefinition ssim) {
    return new PairScore(name, Psnr.psnr(reference, candidate, psnr), Ssim.ssim(reference, candidate, ssim));
  }

  /** Aggregates pair scores (at least one) into a result. */
  public static Result summarize(PsnrDefinition psnr, SsimDefinition ssim, Collection<PairScore> scores) {
    double p = 0;
    double s = 0;
    for (PairScore sc : scores) {
      p += sc.psnr();
      s += sc.ssim();
    }
    return new Result(psnr, ssim, new ArrayList<>(scores), p / scores.size(), s / scores.size());
  }

  /**
   * Scores every image of {@code referenceDir} against the image of the same name (extension ignored)
   * in {@code candidateDir}, on {@code threads} threads.
   *
   * @throws BadInputException for a missing folder, an empty folder, images without a partner, two
   *     images with one name, mismatched sizes, images below the SSIM window or unreadable images
   */
  public static Result evaluate(Path referenceDir, Path candidateDir, PsnrDefinition psnr, SsimDefinition ssim,
      int threads) {
    return evaluate(pair(referenceDir, candidateDir), psnr, ssim, threads);
  }

  /**
   * Scores the pairs (at least one) on {@code threads} threads, reading each image once.
   *
   * @throws BadInputException for mismatched sizes, images below the SSIM window or unreadable images
   */
  public static Result evaluate(List<ImagePair> pairs, PsnrDefinition psnr, SsimDefinition ssim, int threads) {
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, pairs.size())));
    try {
      List<Future<PairScore>> futures = new ArrayList<>();
      for (ImagePair p : pairs) {
        futures.add(pool.submit(() -> score(p, psnr, ssim)));
      }
      List<PairScore> scores = new ArrayList<>();
      for (Future<PairScore> f : futures) {
        scores.add(f.get());
      }
      return summarize(psnr, ssim, scores);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  private static PairScore score(ImagePair pair, PsnrDefinition psnr, SsimDefinition ssim) {
    RgbImage ref = Images.read(pair.reference());
    RgbImage cand = Images.read(pair.candidate());
    if (ref.height() != cand.height() || ref.width() != cand.width()) {
      throw new BadInputException(pair.candidate() + " is " + size(cand) + " but its reference " + pair.reference()
          + " is " + size(ref) + " (sizes must match)");
    }
    if (Math.min(ref.height(), ref.width()) < ssim.minSide()) {
      throw new BadInputException(pair.reference() + " is " + size(ref) + ": SSIM (" + ssim.cliName()
          + ") needs at least " + ssim.minSide() + " pixels on each side");
    }
    return score(pair.name(), ref, cand, psnr, ssim);
  }

  private static String size(RgbImage im) {
    return im.width() + "x" + im.height() + " (WxH)";
  }

  /**
   * Pairs the images of two folders by file name without extension (so {@code a.png} pairs with
   * {@code a.jpg}); sorted by name.
   */
  public static List<ImagePair> pair(Path referenceDir, Path candidateDir) {
    Map<String, Path> refs = byName("--reference", referenceDir);
    Map<String, Path> cands = byName("--candidate", candidateDir);
    List<String> noCandidate = refs.keySet().stream().filter(n -> !cands.containsKey(n)).toList();
    if (!noCandidate.isEmpty()) {
      throw new BadInputException("--candidate " + candidateDir + ": no image for " + noCandidate.size()
          + " reference image(s): " + names(noCandidate));
    }
    List<String> noReference = cands.keySet().stream().filter(n -> !refs.containsKey(n)).toList();
    if (!noReference.isEmpty()) {
      throw new BadInputException("--reference " + referenceDir + ": no image for " + noReference.size()
          + " candidate image(s): " + names(noReference));
    }
    List<ImagePair> pairs = new ArrayList<>();
    refs.forEach((name, ref) -> pairs.add(new ImagePair(name, ref, cands.get(name))));
    return pairs;
  }

  private static Map<String, Path> byName(String option, Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new BadInputException(option + " " + dir + ": not a folder");
    }
    Map<String, Path> out = new TreeMap<>();
    for (Path p : ImageFolder.scan(dir, option).files()) {
      String file = p.getFileName().toString();
      String name = file.substring(0, file.lastIndexOf('.'));
      Path previous = out.put(name, p);
      if (previous != null) {
        throw new BadInputException(option + " " + dir + ": two images named " + name + " ("
            + previous.getFileName() + ", " + file + "); keep one");
      }
    }
    return out;
  }

  private static String names(List<String> names) {
    int shown = Math.min(names.size(), 10);
    String list = String.join(", ", names.subList(0, shown));
    return shown < names.size() ? list + ", ... (" + (names.size() - shown) + " more)" : list;
  }
}
