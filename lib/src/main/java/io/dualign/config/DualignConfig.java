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

  /**
   * Keys outside {@link #RUNTIME_SECTION} that may also change when a run is resumed, because no
   * committed output depends on them except the ones that check their value and redo
   * themselves: {@code dual.sweep} (each b's outputs live under {@code sweep/b=<b>/}; the
   * {@code sweep} and {@code report} stages redo their summary when the list changes). A sweep
   * can so be added to, extended on or cut from a run whose models are already trained.
   */
  public static final java.util.Set<String> CHANGEABLE_ON_RESUME = java.util.Set.of("dual.sweep");

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
  private final TrackingSettings tracking;

  DualignConfig(String profile, Config resolved, Map<String, KeyDeclaration> declarations) {
    this(profile, resolved, declarations.keySet());
  }

  private DualignConfig(String profile, Config resolved, java.util.Set<String> keys) {
    this.profile = profile;
    Map<String, Object> v = new TreeMap<>();
    for (String key : keys) {
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
    this.tracking = TrackingSettings.from(resolved);
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

  public TrackingSettings tracking() {
    return tracking;
  }

  /** Every key with its resolved value (numbers, booleans, strings, lists), sorted by key. */
  public Map<String, Object> values() {
    return values;
  }

  /**
   * The values a resumed run must share with the run it resumes: all but {@code runtime.*} and
   * {@code tracking.*} (where a run reports to is no part of what it computes).
   */
  public Map<String, Object> identityValues() {
    Map<String, Object> v = new TreeMap<>(values);
    v.keySet().removeIf(k -> k.startsWith(RUNTIME_SECTION)
        || k.startsWith(TrackingSettings.SECTION));
    return Collections.unmodifiableMap(v);
  }

  /**
   * This configuration with some keys set to other values (the threshold sweep's configuration
   * for one b: {@code dual.thresholds} and {@code align.methods}). Every key must be declared;
   * the sections' records check the new values as at load time.
   *
   * @throws ConfigError naming a key that is not declared or a value the section rejects
   */
  public DualignConfig with(Map<String, Object> changes) {
    Map<String, Object> v = new TreeMap<>(values);
    for (Map.Entry<String, Object> e : changes.entrySet()) {
      if (!v.containsKey(e.getKey())) {
        throw new ConfigError("cannot derive a configuration: unknown key '" + e.getKey() + "'");
      }
      v.put(e.getKey(), e.getValue());
    }
    try {
      return new DualignConfig(profile, com.typesafe.config.ConfigFactory.parseMap(v),
          v.keySet());
    } catch (com.typesafe.config.ConfigException e) {
      throw new ConfigError("cannot derive a configuration with " + changes + ": "
          + e.getMessage(), e);
    }
  }

  /** The resolved configuration as HOCON, for logs. */
  public String render() {
    return com.typesafe.config.ConfigFactory.parseMap(values).root()
        .render(ConfigRenderOptions.concise().setFormatted(true));
  }
}
