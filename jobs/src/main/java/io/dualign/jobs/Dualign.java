package io.dualign.jobs;

import io.dualign.config.ConfigError;
import io.dualign.jobs.bench.BenchCommand;
import io.dualign.run.marker.MarkerException;
import io.dualign.model.hf.HfModelException;
import io.dualign.vocabulary.Stage;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code Dualign} is the {@code dualign} command: one subcommand per stage, plus doctor, status,
 * pipeline, demo and bench. The same arguments work in-process ({@code jobs/bin/dualign}) and
 * after {@code spark-submit --class io.dualign.jobs.Dualign dualign.jar}.
 *
 * <p>Exit codes: 0 done; 2 usage or configuration error; 3 input data rejected; 1 any other
 * failure.
 */
@Command(name = "dualign", mixinStandardHelpOptions = true,
    versionProvider = Dualign.VersionProvider.class,
    description = "Constrained alignment of a language model by iterative dualization (CAID) "
        + "on Apache Spark.",
    footer = {"", "Exit codes: 0 done, 2 usage or configuration error, 3 input data rejected, "
        + "1 other failure.", "Run 'dualign <stage> --help' for a stage's options."})
public final class Dualign implements Runnable {
  public static final int OK = 0;
  public static final int FAILURE = 1;
  public static final int USAGE = 2;
  public static final int DATA_REJECTED = 3;

  @Spec CommandSpec spec;

  public static void main(String[] args) {
    int code = execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    System.exit(code);
  }

  /** Runs the command with the given writers and returns its exit code (tests call this). */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = commandLine();
    cl.setOut(out);
    cl.setErr(err);
    return cl.execute(args);
  }

  /** The command tree with every stage registered. */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Dualign());
    cl.addSubcommand("doctor", new DoctorCommand());
    for (Stage stage : Stage.values()) {
      if (stage == Stage.PREPARE) {
        cl.addSubcommand(stage.cliName(), new PrepareCommand());
        continue;
      }
      if (stage == Stage.ALIGN) {
        cl.addSubcommand(stage.cliName(), new AlignCommand());
        continue;
      }
      if (stage == Stage.SCORE) {
        cl.addSubcommand(stage.cliName(), new ScoreCommand());
        continue;
      }
      CommandLine sub = new CommandLine(new StageCommand(stage));
      sub.getCommandSpec().usageMessage().description(stage.description());
      cl.addSubcommand(stage.cliName(), sub);
    }
    cl.addSubcommand("pipeline", new PipelineCommand());
    cl.addSubcommand("demo", new DemoCommand());
    cl.addSubcommand("status", new StatusCommand());
    cl.addSubcommand("bench", new BenchCommand());
    cl.addSubcommand("generate", new GenerateCommand());
    cl.addSubcommand("fetch-model", new FetchModelCommand());
    cl.setExecutionExceptionHandler(Dualign::handle);
    return cl;
  }

  private static int handle(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
    PrintWriter err = cl.getErr();
    Throwable cause = ex;
    while (cause.getCause() != null && !(cause instanceof ConfigError)
        && !(cause instanceof HfModelException) && !(cause instanceof DataRejectedException)
        && !(cause instanceof MarkerException)) {
      cause = cause.getCause();
    }
    if (cause instanceof ConfigError || cause instanceof HfModelException
        || cause instanceof MarkerException) {
      err.println("dualign: " + cause.getMessage());
      return USAGE;
    }
    if (cause instanceof DataRejectedException) {
      err.println("dualign: " + cause.getMessage());
      return DATA_REJECTED;
    }
    err.println("dualign " + cl.getCommandName() + " failed: " + ex);
    ex.printStackTrace(err);
    return FAILURE;
  }

  @Override
  public void run() {
    // No stage given: print usage and signal a usage error.
    spec.commandLine().usage(spec.commandLine().getErr());
    throw new CommandLine.ParameterException(spec.commandLine(), "no stage given");
  }

  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"dualign " + io.dualign.run.Versions.built("dualign.version")
          + " (Spark " + io.dualign.run.Versions.built("spark.version")
          + ", DJL " + io.dualign.run.Versions.built("djl.version")
          + ", PyTorch " + io.dualign.run.Versions.built("pytorch.version") + ")"};
    }
  }
}
