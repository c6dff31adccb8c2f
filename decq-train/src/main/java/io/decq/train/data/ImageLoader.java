package io.decq.train.data;

import io.decq.core.config.DataConfig;
import io.decq.core.error.BadInputException;
import io.decq.core.image.ImageFolder;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import io.decq.core.util.Seeds;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Training batches from an {@link ImageFolder}: decoded and augmented (uint8) on worker threads, up to
 * {@code prefetch} batches ahead of the consumer, returned in order.
 *
 * <p>The stream is endless: epoch {@code e} visits every image once in a shuffled order drawn from
 * {@code (seed, e)}; a batch may span two epochs. The augmentation of the sample at (epoch, index)
 * draws from a generator seeded by {@code (seed, epoch, index)}, so the whole stream is a pure function
 * of the seed and the position: it does not depend on the number of workers or on timing, and
 * {@link #seek} resumes it exactly.
 */
public final class ImageLoader implements BatchSource<HostBatch> {
  private final ImageFolder folder;
  private final Augmentation augmentation;
  private final int batchSize;
  private final long seed;
  private final int prefetch;
  private final ExecutorService workers;
  private final ArrayDeque<Future<HostBatch>> inFlight = new ArrayDeque<>();
  private final Map<Long, int[]> orders = new LinkedHashMap<>(4, 0.75f, true) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, int[]> eldest) {
      return size() > 3;
    }
  };
  /** Stream offset (epoch * size + index) of the next batch next() returns. */
  private long nextOut;
  /** Stream offset of the next batch to hand to the workers. */
  private long nextIn;

  /**
   * @param folder the images
   * @param augmentation applied to each image on a worker
   * @param batchSize images per batch
   * @param seed run seed (data order and augmentations)
   * @param workers decoding threads
   * @param prefetch batches prepared ahead (at least 1)
   */
  public ImageLoader(ImageFolder folder, Augmentation augmentation, int batchSize, long seed, int workers, int prefetch) {
    if (batchSize < 1 || workers < 1 || prefetch < 1) {
      throw new IllegalArgumentException("batch size, workers and prefetch must be >= 1");
    }
    this.folder = folder;
    this.augmentation = augmentation;
    this.batchSize = batchSize;
    this.seed = seed;
    this.prefetch = prefetch;
    AtomicInteger n = new AtomicInteger();
    ThreadFactory tf = r -> {
      Thread t = new Thread(r, "decq-data-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    this.workers = Executors.newFixedThreadPool(workers, tf);
  }

  /**
   * The training loader the config describes ({@code data.*}, {@code train.batch_size}, {@code
   * train.seed}). Lists the folder and decodes the first sample before returning, so a wrong folder,
   * an unreadable file or a size that does not fit the crop fails here, before training starts.
   *
   * @throws BadInputException naming the key and the file when the data cannot be used
   */
  public static ImageLoader training(DataConfig data, int batchSize, long seed) {
    if (data.path() == null) {
      throw new BadInputException("data.path: not set; expected a folder of images or of class sub-folders");
    }
    ImageFolder folder = ImageFolder.scan(Path.of(data.path()), "data.path");
    ImageLoader loader =
        new ImageLoader(folder, Augmentation.training(data), batchSize, seed, data.numWorkers(), data.prefetch());
    loader.sample(0, 0);
    return loader;
  }

  /**
   * The fixed preview images: the first {@code data.val_count} images (by path) of {@code data.val_path}
   * (or of the training folder), resized and center-cropped, as one batch; null when val_count is 0.
   */
  public static HostBatch previewBatch(DataConfig data) {
    if (data.valCount() == 0) {
      return null;
    }
    String key = data.valPath() != null ? "data.val_path" : "data.path";
    String path = data.valPath() != null ? data.valPath() : data.path();
    if (path == null) {
      throw new BadInputException("data.path: not set; expected a folder of images or of class sub-folders");
    }
    ImageFolder folder = ImageFolder.scan(Path.of(path), key);
    int n = Math.min(data.valCount(), folder.size());
    Augmentation aug = Augmentation.preview(data);
    List<RgbImage> images = new ArrayList<>();
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      Path file = folder.file(i);
      images.add(aug.apply(Images.read(file), new Random(0), file.toString()));
      labels[i] = folder.label(i);
    }
    return assemble(images, labels, DataPosition.START);
  }

  /** The dataset. */
  public ImageFolder folder() {
    return folder;
  }

  @Override
  public int batchSize() {
    return batchSize;
  }

  @Override
  public long epochSize() {
    return folder.size();
  }

  @Override
  public DataPosition position() {
    return new DataPosition(nextOut / folder.size(), nextOut % folder.size());
  }

  @Override
  public void seek(DataPosition position) {
    cancelInFlight();
    nextOut = Math.addExact(Math.multiplyExact(position.epoch(), (long) folder.size()), position.index());
    nextIn = nextOut;
  }

  @Override
  public HostBatch next() {
    fill();
    Future<HostBatch> head = inFlight.poll();
    nextOut += batchSize;
    fill();
    try {
      return head.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a batch", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException("data worker failed: " + e.getCause(), e.getCause());
    }
  }

  @Override
  public void close() {
    cancelInFlight();
    workers.shutdownNow();
    try {
      workers.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The shuffled order of epoch {@code epoch}: a permutation of 0..size-1 ({@link #shuffled}). */
  public synchronized int[] order(long epoch) {
    return orders.computeIfAbsent(epoch, e -> shuffled(folder.size(), seed, e));
  }

  /** Epoch {@code epoch}'s order of {@code n} samples under run seed {@code seed}: Fisher-Yates from (seed, epoch). */
  static int[] shuffled(int n, long seed, long epoch) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    Random r = new Random(Seeds.derive(seed, Seeds.DATA_ORDER, epoch));
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** The augmented image at (epoch, index) of the stream. */
  RgbImage sample(long epoch, long index) {
    int file = order(epoch)[(int) index];
    Path p = folder.file(file);
    Random rng = new Random(Seeds.derive(seed, Seeds.AUGMENT, epoch, index));
    return augmentation.apply(Images.read(p), rng, p.toString());
  }

  private void fill() {
    while (inFlight.size() < prefetch) {
      long start = nextIn;
      inFlight.add(workers.submit(() -> batchAt(start)));
      nextIn += batchSize;
    }
  }

  private HostBatch batchAt(long start) {
    long n = folder.size();
    List<RgbImage> images = new ArrayList<>(batchSize);
    int[] labels = new int[batchSize];
    for (int k = 0; k < batchSize; k++) {
      long g = start + k;
      long epoch = g / n;
      long index = g % n;
      images.add(sample(epoch, index));
      labels[k] = folder.label(order(epoch)[(int) index]);
    }
    return assemble(images, labels, new DataPosition(start / n, start % n));
  }

  private static HostBatch assemble(List<RgbImage> images, int[] labels, DataPosition start) {
    int h = images.get(0).height();
    int w = images.get(0).width();
    int plane = h * w;
    byte[] out = new byte[images.size() * 3 * plane];
    for (int k = 0; k < images.size(); k++) {
      byte[] rgb = images.get(k).rgb();
      int base = k * 3 * plane;
      for (int i = 0; i < plane; i++) {
        out[base + i] = rgb[i * 3];
        out[base + plane + i] = rgb[i * 3 + 1];
        out[base + 2 * plane + i] = rgb[i * 3 + 2];
      }
    }
    return new HostBatch(images.size(), h, w, out, labels, start);
  }

  /** Drops the batches prepared for the old position (running ones finish unseen). */
  private void cancelInFlight() {
    for (Future<HostBatch> f : inFlight) {
      f.cancel(true);
    }
    inFlight.clear();
  }
}
