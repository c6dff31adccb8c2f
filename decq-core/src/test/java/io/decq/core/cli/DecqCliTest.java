package io.decq.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.decq.core.error.BadInputException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The launcher: subcommand discovery, versions, exit codes and one-line errors. */
class DecqCliTest {
  @TempDir Path tmp;

  /** Exit code, stdout and stderr of one launcher run. */
  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    CommandLine cl = Decq.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void helpListsDiscoveredSubcommands() {
    Run r = run("--help");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("config"), r.out());
    assertTrue(r.out().contains("inspect"), r.out());
  }

  @Test
  void versionNamesDjlAndPytorch() {
    Run r = run("--version");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("DJL 0.29.0"), r.out());
    assertTrue(r.out().contains("PyTorch 2.3.1"), r.out());
  }

  @Test
  void unknownOptionIsUsageError() {
    Run r = run("config", "show", "--bogus");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--bogus"), r.err());
  }

  @Test
  void badConfigValueExitsTwoNamingFileAndKey() throws Exception {
    Path f = tmp.resolve("bad.yaml");
    Files.writeString(f, "train:\n  batch_size: 0\n");
    Run r = run("config", "check", f.toString());
    assertEquals(2, r.code());
    assertEquals("decq config check: " + f + ": train.batch_size: must be >= 1, got 0", r.err().trim());
  }

  @Test
  void setOverrideIsValidatedAndNamed() {
    Run r = run("config", "show", "--set", "train.batch_size=-3");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--set: train.batch_size: must be >= 1, got -3"), r.err());
    Run ok = run("config", "show", "--set", "train.batch_size=3");
    assertEquals(0, ok.code(), ok.err());
    assertTrue(ok.out().contains("batch_size: 3"), ok.out());
  }

  @Test
  void badDeviceIsAClearError() {
    BadInputException e = org.junit.jupiter.api.Assertions.assertThrows(BadInputException.class, () -> Devices.select("tpu"));
    assertTrue(e.getMessage().contains("--device tpu: expected auto, cpu, gpu or gpu:N"), e.getMessage());
    assertEquals(ai.djl.Device.cpu(), Devices.select("cpu"));
  }
}
