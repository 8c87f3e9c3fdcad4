package io.dualign.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import java.io.Serializable;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@code DualignConfig} is the validated, immutable configuration of one invocation: every
 * declared key with its resolved value, plus typed views of each section. It is serializable so
 * that partition functions can carry the parts they need.
 */
public final class DualignConfig implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The section whose keys may differ between invocations on one run directory. */
  public static final String RUNTIME_SECTION = "runtime.";

  private final String profile;
  private final Map<String, Object> values;
  private final RunSettings run;
  private final RuntimeSettings runtime;
  private final DataSettings data;
  private final DualSettings dual;
  private final ModelSettings model;
  private final TrainSettings train;
  private final EvaluateSettings evaluate;
  private final ReportSettings report;
  private final AlignSettings align;
  private final RolloutSettings rollout;

  DualignConfig(String profile, Config resolved, Map<String, KeyDeclaration> declarations) {
    this.profile = profile;
    Map<String, Object> v = new TreeMap<>();
    for (String key : declarations.keySet()) {
      v.put(key, resolved.getValue(key).unwrapped());
    }
    this.values = Collections.unmodifiableMap(v);
    this.run = RunSettings.from(resolved);
    this.runtime = RuntimeSettings.from(resolved);
    this.data = DataSettings.from(resolved);
    this.dual = DualSettings.from(resolved);
    this.model = ModelSettings.from(resolved);
    this.train = TrainSettings.from(resolved);
    this.evaluate = EvaluateSettings.from(resolved);
    this.report = ReportSettings.from(resolved);
    this.align = AlignSettings.from(resolved);
    this.rollout = RolloutSettings.from(resolved, model);
  }

  public String profile() {
    return profile;
  }

  public RunSettings run() {
    return run;
  }

  public RuntimeSettings runtime() {
    return runtime;
  }

  public DataSettings data() {
    return data;
  }

  public DualSettings dual() {
    return dual;
  }

  public ModelSettings model() {
    return model;
  }

  public TrainSettings train() {
    return train;
  }

  public EvaluateSettings evaluate() {
    return evaluate;
  }

  public ReportSettings report() {
    return report;
  }

  public AlignSettings align() {
    return align;
  }

  public RolloutSettings rollout() {
    return rollout;
  }

  /** Every key with its resolved value (numbers, booleans, strings, lists), sorted by key. */
  public Map<String, Object> values() {
    return values;
  }

  /** The values a resumed run must share with the run it resumes (all but {@code runtime.*}). */
  public Map<String, Object> identityValues() {
    Map<String, Object> v = new TreeMap<>(values);
    v.keySet().removeIf(k -> k.startsWith(RUNTIME_SECTION));
    return Collections.unmodifiableMap(v);
  }

  /** The resolved configuration as HOCON, for logs. */
  public String render() {
    return com.typesafe.config.ConfigFactory.parseMap(values).root()
        .render(ConfigRenderOptions.concise().setFormatted(true));
  }
}
