package io.dualign.jobs;

import io.dualign.config.ConfigLoader;
import io.dualign.config.DualignConfig;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code CommonOptions} are the options every stage takes. */
public final class CommonOptions {
  @Option(names = "--run-dir", paramLabel = "DIR", defaultValue = "dualign-run",
      description = "Run directory: a local path or any Hadoop URI (hdfs://, s3a://, file://). "
          + "Default: ${DEFAULT-VALUE}")
  String runDir;

  @Option(names = "--config", paramLabel = "FILE",
      description = "HOCON file overriding the profile (keys as in conf/dualign.conf).")
  File configFile;

  @Option(names = "--set", paramLabel = "key=value",
      description = "Override one configuration key; repeatable; applied last.")
  List<String> sets = new ArrayList<>();

  @Option(names = "--master", paramLabel = "URL",
      description = "Spark master for in-process runs (default: runtime.master, local[*]); "
          + "under spark-submit the submitted master is used.")
  String master;

  @Option(names = "--profile", paramLabel = "NAME", defaultValue = ConfigLoader.DEFAULT_PROFILE,
      description = "Configuration profile from conf/profiles: tiny, default, large, gpu-7b, smollm2. "
          + "Default: ${DEFAULT-VALUE}")
  String profile;

  /** The {@code --run-dir} of this invocation. */
  public String runDir() {
    return runDir;
  }

  /** Resolves the configuration of this invocation ({@code --master} is {@code runtime.master}). */
  public DualignConfig loadConfig() {
    List<String> overrides = new ArrayList<>(sets);
    if (master != null) {
      overrides.add("runtime.master=" + master);
    }
    return ConfigLoader.fromClasspath().load(profile, configFile, overrides);
  }
}
