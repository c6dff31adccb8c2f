package io.decq.train.run;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.CodeSource;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How an artefact was made: git commit of the code, versions of DecQ-Java, DJL, PyTorch and Java, the
 * device and the seed. The commit is that of the repository holding the running classes (null when
 * they do not come from a git checkout or git is not installed).
 */
public final class Provenance {
  private static volatile String[] git;

  private Provenance() {}

  /** The provenance record of a run with {@code seed} on {@code device}. */
  public static Map<String, Object> collect(long seed, Device device) {
    String[] g = git();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("git_commit", g[0]);
    out.put("git_dirty", g[1] == null ? null : Boolean.valueOf(g[1]));
    String version = Provenance.class.getPackage().getImplementationVersion();
    out.put("decq_version", version == null ? "dev" : version);
    out.put("djl_version", Engine.getDjlVersion());
    Engine engine = Engine.getInstance();
    out.put("engine", engine.getEngineName());
    out.put("pytorch_version", engine.getVersion());
    out.put("java_version", System.getProperty("java.version"));
    out.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    out.put("device", device.toString());
    out.put("seed", seed);
    out.put("created", Instant.now().toString());
    return out;
  }

  private static String[] git() {
    String[] g = git;
    if (g == null) {
      Path repo = repositoryRoot();
      String commit = repo == null ? null : run(repo, "rev-parse", "HEAD");
      String status = commit == null ? null : run(repo, "status", "--porcelain", "--untracked-files=no");
      g = new String[] {commit, status == null ? null : Boolean.toString(!status.isEmpty())};
      git = g;
    }
    return g;
  }

  private static Path repositoryRoot() {
    CodeSource src = Provenance.class.getProtectionDomain().getCodeSource();
    if (src == null || src.getLocation() == null) {
      return null;
    }
    Path p;
    try {
      p = Path.of(src.getLocation().toURI()).toAbsolutePath();
    } catch (URISyntaxException | IllegalArgumentException | FileSystemNotFoundException e) {
      return null;
    }
    for (; p != null; p = p.getParent()) {
      if (Files.exists(p.resolve(".git"))) {
        return p;
      }
    }
    return null;
  }

  private static String run(Path repo, String... args) {
    String[] cmd = new String[args.length + 3];
    cmd[0] = "git";
    cmd[1] = "-C";
    cmd[2] = repo.toString();
    System.arraycopy(args, 0, cmd, 3, args.length);
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroy();
        return null;
      }
      return out;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
