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
    try {
      Path dir = Path.of(Provenance.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
      for (; dir != null; dir = dir.getParent()) {
        Path git = dir.resolve(".git");
        if (Files.isDirectory(git)) {
          return headOf(git);
        }
        if (Files.isRegularFile(git)) {
          // A worktree: ".git" is a file "gitdir: PATH".
          String line = Files.readString(git).trim();
          if (line.startsWith("gitdir:")) {
            return headOf(dir.resolve(line.substring(7).trim()));
          }
        }
      }
    } catch (IOException | URISyntaxException | RuntimeException e) {
      return "unknown";
    }
    return "unknown";
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
