package io.decq.core.util;

import ai.djl.engine.Engine;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * How an artefact was made: the command, when, the git commit of the code, the software versions and
 * the inputs. Every checkpoint, sample batch and report carries one under the key {@code provenance}.
 */
public final class Provenance {
  /**
   * The environment variable libtorch reads to run float32 matmuls in TF32 on GPUs (RAE's fp32 recipe sets
   * {@code allow_tf32}); the launcher sets it to 1 for GPU runs unless {@code DECQ_TF32=0}.
   */
  public static final String TF32_ENV = "TORCH_ALLOW_TF32_CUBLAS_OVERRIDE";

  private Provenance() {}

  /**
   * A provenance record.
   *
   * @param command the command, e.g. {@code eval iq}
   * @param inputs what was read and the settings that change the numbers (name -> value; paths made absolute by the caller)
   */
  public static JsonObject of(String command, Map<String, String> inputs) {
    JsonObject in = new JsonObject();
    inputs.forEach(in::addProperty);
    JsonObject p = new JsonObject();
    p.addProperty("command", "decq " + command);
    p.addProperty("created", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    p.addProperty("git_commit", gitCommit());
    p.add("versions", versions());
    p.add("inputs", in);
    return p;
  }

  /**
   * The provenance of a training run, for {@code state.json}: git commit and dirty flag, versions, the
   * device, whether float32 matmuls ran in TF32 ({@code tf32}: a GPU run with {@value #TF32_ENV}=1) and the seed.
   */
  public static Map<String, Object> ofRun(long seed, ai.djl.Device device) {
    return ofRun(seed, device, System.getenv(TF32_ENV));
  }

  /** {@link #ofRun(long, ai.djl.Device)} with the value of {@value #TF32_ENV} given (null: unset). */
  static Map<String, Object> ofRun(long seed, ai.djl.Device device, String tf32Env) {
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    out.put("git_commit", gitCommit());
    out.put("git_dirty", gitDirty());
    JsonObject v = versions();
    for (String k : v.keySet()) {
      out.put(k + "_version", v.get(k).getAsString());
    }
    out.put("device", device.toString());
    out.put("tf32", device.isGpu() && "1".equals(tf32Env));
    out.put("seed", seed);
    out.put("created", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    return out;
  }

  /**
   * Whether tracked files of the checkout differ from its commit ({@code git status}); null when the
   * code does not run from a checkout or git is not installed.
   */
  public static Boolean gitDirty() {
    Path root = checkoutRoot();
    if (root == null) {
      return null;
    }
    try {
      Process p = new ProcessBuilder("git", "-C", root.toString(), "status", "--porcelain", "--untracked-files=no")
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
      if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroy();
        return null;
      }
      return !out.isEmpty();
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** The folder holding the {@code .git} of the checkout the code runs from, or null. */
  private static Path checkoutRoot() {
    try {
      Path dir = Path.of(Provenance.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
      for (; dir != null; dir = dir.getParent()) {
        if (Files.exists(dir.resolve(".git"))) {
          return dir;
        }
      }
    } catch (URISyntaxException | RuntimeException e) {
      return null;
    }
    return null;
  }

  /** decq, DJL, PyTorch, Java and OS versions. */
  public static JsonObject versions() {
    JsonObject versions = new JsonObject();
    String decq = Provenance.class.getPackage().getImplementationVersion();
    versions.addProperty("decq", decq == null ? "dev" : decq);
    versions.addProperty("djl", Engine.getDjlVersion());
    String torch;
    try {
      torch = Engine.getEngine("PyTorch").getVersion();
    } catch (RuntimeException e) {
      torch = "unavailable";
    }
    versions.addProperty("pytorch", torch);
    versions.addProperty("java", System.getProperty("java.version"));
    versions.addProperty("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    return versions;
  }

  /**
   * The commit of the checkout the code runs from (found by walking up from the code's location to a
   * {@code .git}), or {@code "unknown"} outside a checkout.
   */
  public static String gitCommit() {
    Path root = checkoutRoot();
    if (root == null) {
      return "unknown";
    }
    try {
      Path git = root.resolve(".git");
      if (Files.isDirectory(git)) {
        return headOf(git);
      }
      // A worktree: ".git" is a file "gitdir: PATH".
      String line = Files.readString(git).trim();
      return line.startsWith("gitdir:") ? headOf(root.resolve(line.substring(7).trim())) : "unknown";
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static String headOf(Path gitDir) throws IOException {
    String head = Files.readString(gitDir.resolve("HEAD")).trim();
    if (!head.startsWith("ref:")) {
      return head;
    }
    String ref = head.substring(4).trim();
    Path common = gitDir;
    Path commonFile = gitDir.resolve("commondir");
    if (Files.isRegularFile(commonFile)) {
      common = gitDir.resolve(Files.readString(commonFile).trim()).normalize();
    }
    for (Path base : new Path[] {gitDir, common}) {
      Path loose = base.resolve(ref);
      if (Files.isRegularFile(loose)) {
        return Files.readString(loose).trim();
      }
    }
    Path packed = common.resolve("packed-refs");
    if (Files.isRegularFile(packed)) {
      for (String line : Files.readAllLines(packed)) {
        if (line.endsWith(" " + ref)) {
          return line.substring(0, line.indexOf(' '));
        }
      }
    }
    return "unknown";
  }
}
