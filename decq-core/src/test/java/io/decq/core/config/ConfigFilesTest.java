package io.decq.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.decq.core.cli.Decq;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every shipped file in configs/ passes {@code decq config check}. */
class ConfigFilesTest {
  @Test
  void everyShippedConfigPassesConfigCheck() throws IOException {
    Path dir = Path.of(System.getProperty("decq.test.data", "src-test-data")).toAbsolutePath().getParent().resolve("configs");
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().toList();
    }
    assertFalse(files.isEmpty(), "no configs in " + dir);
    for (Path f : files) {
      StringWriter err = new StringWriter();
      CommandLine cl = Decq.commandLine();
      cl.setOut(new PrintWriter(new StringWriter()));
      cl.setErr(new PrintWriter(err));
      assertEquals(0, cl.execute("config", "check", f.toString()), f + ": " + err);
    }
  }
}
