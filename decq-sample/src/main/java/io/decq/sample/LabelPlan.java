package io.decq.sample;

import io.decq.core.error.BadInputException;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Which class label sample {@code i} gets, as a pure function of {@code i} (so any batch or shard of a
 * run knows its labels without the others).
 *
 * <ul>
 *   <li>{@code equal}: the ADM protocol, N / num_classes samples per class: sample i has class
 *       {@code i mod num_classes} (every class equally often when num_classes divides N);
 *   <li>{@code random}: uniform over the classes, drawn from (seed, i);
 *   <li>explicit classes {@code 0,5,...}: cycled in the given order.
 * </ul>
 */
public final class LabelPlan {
  private enum Kind { EQUAL, RANDOM, EXPLICIT }

  private final Kind kind;
  private final int numClasses;
  private final int[] classes;
  private final long seed;

  private LabelPlan(Kind kind, int numClasses, int[] classes, long seed) {
    this.kind = kind;
    this.numClasses = numClasses;
    this.classes = classes;
    this.seed = seed;
  }

  /**
   * Parses {@code --labels equal|random} or {@code --classes 0,5,...} (exactly one of them may be
   * given; neither means {@code equal}).
   *
   * @param labels the --labels value or null
   * @param classes the --classes value or null
   * @param numClasses the model's classes; labels must lie in [0, numClasses)
   * @param seed the run seed (for {@code random})
   */
  public static LabelPlan parse(String labels, String classes, int numClasses, long seed) {
    if (labels != null && classes != null) {
      throw new BadInputException("--labels and --classes: give one of them, not both");
    }
    if (classes != null) {
      int[] c;
      try {
        c = Arrays.stream(classes.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
      } catch (NumberFormatException e) {
        throw new BadInputException("--classes " + classes + ": expected comma-separated class indices, e.g. 0,5,9");
      }
      for (int k : c) {
        if (k < 0 || k >= numClasses) {
          throw new BadInputException("--classes " + classes + ": class " + k + " is outside [0, " + numClasses
              + ") (the denoiser has " + numClasses + " classes)");
        }
      }
      return new LabelPlan(Kind.EXPLICIT, numClasses, c, seed);
    }
    String l = labels == null ? "equal" : labels;
    return switch (l) {
      case "equal" -> new LabelPlan(Kind.EQUAL, numClasses, null, seed);
      case "random" -> new LabelPlan(Kind.RANDOM, numClasses, null, seed);
      default -> throw new BadInputException("--labels " + l + ": expected equal or random (or use --classes)");
    };
  }

  /** The label of sample {@code i}. */
  public int label(long i) {
    return switch (kind) {
      case EQUAL -> (int) (i % numClasses);
      case EXPLICIT -> classes[(int) (i % classes.length)];
      case RANDOM -> new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (i + 1))).nextInt(numClasses);
    };
  }

  /** How the plan was given, for provenance. */
  public String describe() {
    return kind == Kind.EXPLICIT ? "classes " + Arrays.toString(classes) : kind.name().toLowerCase();
  }
}
