package io.decq.sample;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.decq.core.error.BadInputException;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import io.decq.core.io.AtomicFiles;
import io.decq.core.io.DType;
import io.decq.core.io.Npz;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The output folder of one sampling job (a whole run or one shard):
 *
 * <pre>
 *   DIR/samples/NNNNNNN_cLLLL.png   one PNG per sample, named by global index and label
 *   DIR/samples.npz                 ADM layout: arr_0 uint8 (n, H, W, 3), arr_1 int64 labels (n)
 *   DIR/grid.png                    the first samples tiled (one column per class with equal labels)
 *   DIR/progress.json               the job (its fingerprint, index range) and how many samples are done
 *   DIR/provenance.json             written by the command
 * </pre>
 *
 * While a job runs, the pixels and labels are appended to {@code DIR/parts/} batch by batch and the count
 * of finished samples is written after each batch, so an interrupted job continues where it stopped; at
 * the end the parts become {@code samples.npz} (streamed: memory does not grow with N) and are deleted.
 * A folder holding another job's samples (another fingerprint) is refused.
 */
public final class SampleStore {
  public static final String SAMPLES = "samples";
  public static final String NPZ = "samples.npz";
  public static final String GRID = "grid.png";
  public static final String PROGRESS = "progress.json";
  public static final String PROVENANCE = "provenance.json";
  private static final String PARTS = "parts";
  private static final String PIXELS = "arr_0.u8";
  private static final String LABELS = "arr_1.i64";
  /** Samples in the grid at most. */
  static final int GRID_SAMPLES = 64;
  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

  /**
   * What progress.json holds.
   *
   * @param run identifies the run: every input that changes a sample (checkpoints, seed, solver, guidance,
   *     labels, N, batch), without the shard
   * @param shard which shard of the run this job is
   * @param num N, samples in the whole run
   * @param start first global index of the job
   * @param end one past its last
   * @param done samples finished (a prefix of [start, end))
   * @param height image height (0 before the first batch)
   * @param width image width
   * @param gridColumns columns of grid.png
   * @param complete whether samples.npz is written
   */
  public record Progress(String run, String shard, long num, long start, long end, long done, int height, int width, int gridColumns,
      boolean complete) {}

  private final Path dir;
  private Progress progress;

  private SampleStore(Path dir, Progress progress) {
    this.dir = dir;
    this.progress = progress;
  }

  /**
   * Opens {@code dir} for a job: a new folder, an empty one, or one holding an unfinished or finished run
   * of the same job to continue.
   *
   * @throws BadInputException when the folder holds other files or another job's samples
   */
  public static SampleStore open(Path dir, String run, SamplePlan plan, int gridColumns) {
    Path p = dir.resolve(PROGRESS);
    try {
      if (Files.isRegularFile(p)) {
        Progress old = GSON.fromJson(Files.readString(p), Progress.class);
        if (!run.equals(old.run()) || !plan.shard().toString().equals(old.shard()) || old.num() != plan.num()) {
          throw new BadInputException("--out " + dir + ": holds the samples of another run (other checkpoints, seed,"
              + " solver, guidance, labels, --num, --batch or --shard); choose another folder");
        }
        SampleStore s = new SampleStore(dir, old);
        s.truncateParts();
        return s;
      }
      if (Files.isDirectory(dir)) {
        try (var files = Files.list(dir)) {
          if (files.findAny().isPresent()) {
            throw new BadInputException("--out " + dir + ": not empty and holds no sampling run (" + PROGRESS
                + " missing); choose a new or empty folder");
          }
        }
      }
      Files.createDirectories(dir.resolve(SAMPLES));
      Files.createDirectories(dir.resolve(PARTS));
      SampleStore s = new SampleStore(dir, new Progress(run, plan.shard().toString(), plan.num(), plan.start(), plan.end(), 0, 0, 0,
          gridColumns, false));
      s.writeProgress();
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The job's progress. */
  public Progress progress() {
    return progress;
  }

  /** The first global index not yet sampled. */
  public long next() {
    return progress.start() + progress.done();
  }

  /**
   * Appends one batch: its PNGs, pixels and labels, then records it as done (so a crash loses at most
   * the batch being written).
   *
   * @param first global index of the first image (must be {@link #next()})
   */
  public void append(long first, List<RgbImage> images, int[] labels) {
    if (first != next()) {
      throw new IllegalStateException("batch at " + first + ", expected " + next());
    }
    RgbImage im0 = images.get(0);
    ByteBuffer lab = ByteBuffer.allocate(8 * labels.length).order(ByteOrder.LITTLE_ENDIAN);
    try (OutputStream px = Files.newOutputStream(parts(PIXELS), StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      for (int k = 0; k < images.size(); k++) {
        RgbImage im = images.get(k);
        if (im.height() != im0.height() || im.width() != im0.width()
            || (progress.height() != 0 && (im.height() != progress.height() || im.width() != progress.width()))) {
          throw new IllegalStateException("samples of different sizes in one run");
        }
        Images.writePng(im, dir.resolve(SAMPLES).resolve(pngName(first + k, labels[k])));
        px.write(im.rgb());
        lab.putLong(labels[k]);
      }
      Files.write(parts(LABELS), lab.array(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    progress = withDone(progress.done() + images.size(), im0.height(), im0.width(), false);
    writeProgress();
  }

  /** Writes samples.npz and grid.png from the parts (once every sample is done) and deletes the parts. */
  public void finish() {
    if (progress.complete()) {
      return;
    }
    if (next() != progress.end()) {
      throw new IllegalStateException("finish() with " + progress.done() + " of " + (progress.end() - progress.start())
          + " samples");
    }
    long n = progress.done();
    Npz.writeStreamed(dir.resolve(NPZ), List.of(
        new Npz.StreamedMember("arr_0", DType.U8, new long[] {n, progress.height(), progress.width(), 3},
            List.of(() -> Files.newInputStream(parts(PIXELS)))),
        new Npz.StreamedMember("arr_1", DType.I64, new long[] {n}, List.of(() -> Files.newInputStream(parts(LABELS))))));
    writeGrid(dir, progress.gridColumns());
    progress = withDone(progress.done(), progress.height(), progress.width(), true);
    writeProgress();
    try {
      Files.deleteIfExists(parts(PIXELS));
      Files.deleteIfExists(parts(LABELS));
      Files.deleteIfExists(dir.resolve(PARTS));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Merges finished shard folders into {@code out}: the PNGs are copied, the npz members concatenated in
   * index order (streamed), the grid redrawn. The result is byte for byte what one unsharded job with the
   * same batch size writes. The shards must be finished jobs of one run covering [0, N) exactly once.
   */
  public static void merge(List<Path> shards, Path out) {
    List<Progress> ps = new ArrayList<>();
    for (Path s : shards) {
      Path p = s.resolve(PROGRESS);
      if (!Files.isRegularFile(p)) {
        throw new BadInputException(s + ": not a sampling folder (" + PROGRESS + " missing)");
      }
      try {
        Progress pr = GSON.fromJson(Files.readString(p), Progress.class);
        if (!pr.complete()) {
          throw new BadInputException(s + ": unfinished shard (" + pr.done() + " of " + (pr.end() - pr.start())
              + " samples); run it to the end first (the same command continues it)");
        }
        ps.add(pr);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < ps.size(); i++) {
      order.add(i);
    }
    order.sort((a, b) -> Long.compare(ps.get(a).start(), ps.get(b).start()));
    long expect = 0;
    String run = null;
    for (int i : order) {
      Progress pr = ps.get(i);
      if (run != null && !run.equals(pr.run())) {
        throw new BadInputException(shards.get(i) + ": a shard of another run (other checkpoints, seed, solver, guidance,"
            + " labels, --num or --batch)");
      }
      run = pr.run();
      if (pr.start() != expect) {
        throw new BadInputException(shards.get(i) + ": starts at sample " + pr.start() + " but the shards before it end at "
            + expect + (pr.start() < expect ? " (a shard given twice?)" : " (a shard is missing)"));
      }
      expect = pr.end();
    }
    Progress first = ps.get(order.get(0));
    if (expect != first.num()) {
      throw new BadInputException("the shards cover samples [0, " + expect + ") of " + first.num() + ": a shard is missing");
    }
    try {
      if (Files.exists(out.resolve(PROGRESS)) || (Files.isDirectory(out) && Files.list(out).findAny().isPresent())) {
        throw new BadInputException("--out " + out + ": not empty; merge into a new folder");
      }
      Files.createDirectories(out.resolve(SAMPLES));
      List<Npz.ByteSource> pixels = new ArrayList<>();
      List<Npz.ByteSource> labels = new ArrayList<>();
      for (int i : order) {
        Path s = shards.get(i);
        try (var files = Files.list(s.resolve(SAMPLES))) {
          for (Path f : (Iterable<Path>) files.sorted()::iterator) {
            Files.copy(f, out.resolve(SAMPLES).resolve(f.getFileName()));
          }
        }
        pixels.add(() -> memberData(s.resolve(NPZ), "arr_0"));
        labels.add(() -> memberData(s.resolve(NPZ), "arr_1"));
      }
      Npz.writeStreamed(out.resolve(NPZ), List.of(
          new Npz.StreamedMember("arr_0", DType.U8, new long[] {expect, first.height(), first.width(), 3}, pixels),
          new Npz.StreamedMember("arr_1", DType.I64, new long[] {expect}, labels)));
      writeGrid(out, first.gridColumns());
      AtomicFiles.writeString(out.resolve(PROGRESS), GSON.toJson(new Progress(run, ShardSpec.ALL.toString(), expect, 0,
          expect, expect, first.height(), first.width(), first.gridColumns(), true)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Progress withDone(long done, int height, int width, boolean complete) {
    Progress p = progress;
    return new Progress(p.run(), p.shard(), p.num(), p.start(), p.end(), done, height, width, p.gridColumns(), complete);
  }

  /** The PNG name of sample {@code index}. */
  public static String pngName(long index, int label) {
    return String.format(Locale.ROOT, "%07d_c%04d.png", index, label);
  }

  private static InputStream memberData(Path npz, String name) {
    Npz.Member m = Npz.stream(npz, name);
    return new java.io.FilterInputStream(m.data()) {
      @Override
      public void close() throws IOException {
        m.close();
      }
    };
  }

  private static void writeGrid(Path dir, int cols) {
    List<RgbImage> images = new ArrayList<>();
    try (var files = Files.list(dir.resolve(SAMPLES))) {
      for (Path f : (Iterable<Path>) files.sorted().limit(GRID_SAMPLES)::iterator) {
        images.add(Images.read(f));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!images.isEmpty()) {
      Images.writePng(Images.grid(images, Math.min(cols, images.size()), 2), dir.resolve(GRID));
    }
  }

  private Path parts(String name) {
    return dir.resolve(PARTS).resolve(name);
  }

  /** After a crash the parts may hold a partly written batch: cut them back to the recorded count. */
  private void truncateParts() throws IOException {
    if (progress.complete()) {
      return;
    }
    long n = progress.done();
    truncate(parts(PIXELS), n * progress.height() * progress.width() * 3L);
    truncate(parts(LABELS), n * 8L);
  }

  private static void truncate(Path f, long size) throws IOException {
    Files.createDirectories(f.getParent());
    if (!Files.exists(f)) {
      Files.createFile(f);
    }
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      if (ch.size() < size) {
        throw new IllegalStateException(f + ": " + ch.size() + " bytes, fewer than the " + size + " recorded as done");
      }
      ch.truncate(size);
    }
  }

  private void writeProgress() {
    AtomicFiles.writeString(dir.resolve(PROGRESS), GSON.toJson(progress));
  }
}
