package io.decq.core.cli;

import ai.djl.engine.Engine;
import io.decq.core.error.BadInputException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;

/**
 * The {@code decq} launcher: one picocli command whose subcommands each module contributes through
 * {@link Subcommand} services. Exit codes: 0 ok, 1 failure, 2 bad usage or bad input (one line naming
 * the file, key or argument).
 */
@Command(
    name = "decq",
    mixinStandardHelpOptions = true,
    versionProvider = Decq.Versions.class,
    description = "DecQ-Java: detail-condensing queries for Representation Autoencoders (DJL + PyTorch).",
    synopsisSubcommandLabel = "COMMAND",
    commandListHeading = "%nCommands:%n")
public final class Decq implements Runnable {

  @picocli.CommandLine.Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the launcher on {@code args} and returns the exit code (tests call this). */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** The configured command line with every discovered subcommand. */
  public static CommandLine commandLine() {
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    CommandLine cl = new CommandLine(new Decq());
    List<Subcommand> subs = new ArrayList<>();
    ServiceLoader.load(Subcommand.class).forEach(subs::add);
    subs.sort(Comparator.comparing(s -> new CommandLine(s).getCommandName()));
    for (Subcommand s : subs) {
      cl.addSubcommand(s);
    }
    cl.setExecutionStrategy(Decq::execute);
    cl.setExecutionExceptionHandler(Decq::handle);
    return cl;
  }

  private static int execute(ParseResult parse) {
    ParseResult leaf = parse;
    while (leaf.hasSubcommand()) {
      leaf = leaf.subcommand();
    }
    if (leaf.hasMatchedOption("--threads")) {
      Integer threads = leaf.matchedOptionValue("--threads", null);
      if (threads == null || threads < 1) {
        throw new CommandLine.ParameterException(leaf.commandSpec().commandLine(), "--threads: must be >= 1");
      }
      System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
    }
    if (leaf.hasMatchedOption("--verbose")) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
    }
    return new CommandLine.RunLast().execute(parse);
  }

  private static int handle(Exception e, CommandLine cl, ParseResult parse) {
    PrintWriter err = cl.getErr();
    boolean verbose = false;
    for (ParseResult p = parse; p != null; p = p.hasSubcommand() ? p.subcommand() : null) {
      verbose |= p.hasMatchedOption("--verbose");
    }
    BadInputException bad = findBadInput(e);
    if (bad != null) {
      err.println(cl.getCommandSpec().qualifiedName() + ": " + bad.getMessage());
      if (verbose) {
        e.printStackTrace(err);
      }
      err.flush();
      return 2;
    }
    err.println(cl.getCommandSpec().qualifiedName() + ": failed: " + e);
    if (verbose) {
      e.printStackTrace(err);
    } else {
      err.println("(run with -v for the stack trace)");
    }
    err.flush();
    return 1;
  }

  private static BadInputException findBadInput(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BadInputException b) {
        return b;
      }
    }
    return null;
  }

  /** {@code --version}: project, DJL and PyTorch versions. */
  public static final class Versions implements IVersionProvider {
    @Override
    public String[] getVersion() {
      String project = Decq.class.getPackage().getImplementationVersion();
      String torch;
      try {
        torch = Engine.getEngine("PyTorch").getVersion();
      } catch (RuntimeException e) {
        torch = "unavailable (" + e.getMessage() + ")";
      }
      return new String[] {
        "decq " + (project == null ? "dev" : project),
        "DJL " + Engine.getDjlVersion(),
        "PyTorch " + torch,
        "Java " + System.getProperty("java.version")
      };
    }
  }
}
