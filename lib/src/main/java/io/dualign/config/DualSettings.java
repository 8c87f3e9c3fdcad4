package io.dualign.config;

import com.typesafe.config.Config;
import io.dualign.dual.CaidDualUpdate;
import io.dualign.dual.Constraint;
import io.dualign.dual.ConstraintForm;
import io.dualign.dual.DualStep;
import io.dualign.dual.OneShotDualSolver;
import io.dualign.dual.SafeRlhfDualUpdate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code DualSettings} are the settings of the {@code dual} section: the constraints, the
 * multipliers' bounds and steps, the one-shot solver and the relabelling temperature.
 * Per-constraint lists are parallel to {@link #constraints()}; {@link #sweep()} lists the
 * thresholds b of the first constraint that the threshold sweep runs (empty: no sweep).
 */
public record DualSettings(
    List<Constraint> constraints, double beta, double eta, List<Double> lambdaMax,
    List<Double> lambdaInit, int delay, double relabelTemperature, OneShotDualSolver.Method oneShotMethod,
    double oneShotTolerance, int oneShotMaxIterations, double safeRlhfAlpha,
    double safeRlhfLambdaInit, double safeRlhfLambdaMax, List<Double> sweep) {

  public DualSettings {
    constraints = List.copyOf(constraints);
    sweep = List.copyOf(sweep);
    if (new HashSet<>(sweep).size() != sweep.size()) {
      throw new ConfigError("dual.sweep = " + sweep + " lists a threshold twice; its values must "
          + "be distinct");
    }
    lambdaMax = List.copyOf(lambdaMax);
    lambdaInit = List.copyOf(lambdaInit);
    int m = constraints.size();
    if (m == 0) {
      throw new ConfigError("dual.constraints must name at least one constraint");
    }
    if (lambdaMax.size() != m || lambdaInit.size() != m) {
      throw new ConfigError(lengthMessage(m, m, m, lambdaMax.size(), lambdaInit.size()));
    }
    if (safeRlhfLambdaInit > safeRlhfLambdaMax) {
      throw new ConfigError(String.format(Locale.ROOT, "dual.safeRlhf.lambdaInit = %s exceeds "
          + "dual.safeRlhf.lambdaMax = %s", safeRlhfLambdaInit, safeRlhfLambdaMax));
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < m; i++) {
      if (!seen.add(constraints.get(i).name())) {
        throw new ConfigError("dual.constraints lists '" + constraints.get(i).name() + "' twice");
      }
      if (lambdaInit.get(i) > lambdaMax.get(i)) {
        throw new ConfigError(String.format(Locale.ROOT,
            "dual.lambdaInit[%d] = %s exceeds dual.lambdaMax[%d] = %s (constraint %s)", i,
            lambdaInit.get(i), i, lambdaMax.get(i), constraints.get(i).name()));
      }
    }
  }

  static DualSettings from(Config c) {
    List<String> names = c.getStringList("dual.constraints");
    List<String> forms = c.getStringList("dual.forms");
    List<Double> thresholds = c.getDoubleList("dual.thresholds");
    List<Double> lambdaMax = c.getDoubleList("dual.lambdaMax");
    List<Double> lambdaInit = c.getDoubleList("dual.lambdaInit");
    int m = names.size();
    if (forms.size() != m || thresholds.size() != m || lambdaMax.size() != m
        || lambdaInit.size() != m) {
      throw new ConfigError(lengthMessage(m, forms.size(), thresholds.size(), lambdaMax.size(),
          lambdaInit.size()));
    }
    List<Constraint> constraints = new ArrayList<>();
    for (int i = 0; i < m; i++) {
      try {
        constraints.add(new Constraint(names.get(i), ConstraintForm.of(forms.get(i)),
            thresholds.get(i)));
      } catch (IllegalArgumentException e) {
        throw new ConfigError("dual.constraints[" + i + "]: " + e.getMessage(), e);
      }
    }
    return new DualSettings(constraints, c.getDouble("dual.beta"), c.getDouble("dual.eta"),
        lambdaMax, lambdaInit, c.getInt("dual.delay"), c.getDouble("dual.relabelTemperature"),
        OneShotDualSolver.Method.valueOf(c.getString("dual.oneShot.method").toUpperCase(Locale.ROOT)),
        c.getDouble("dual.oneShot.tolerance"), c.getInt("dual.oneShot.maxIterations"),
        c.getDouble("dual.safeRlhf.alpha"), c.getDouble("dual.safeRlhf.lambdaInit"),
        c.getDouble("dual.safeRlhf.lambdaMax"), c.getDoubleList("dual.sweep"));
  }

  private static String lengthMessage(int m, int forms, int thresholds, int lambdaMax,
      int lambdaInit) {
    return String.format(Locale.ROOT, "dual.constraints has %d entries but dual.forms has %d, "
        + "dual.thresholds %d, dual.lambdaMax %d, dual.lambdaInit %d: these lists are parallel "
        + "(one entry per constraint) and must have equal lengths", m, forms, thresholds,
        lambdaMax, lambdaInit);
  }

  /** Number of constraints m (the length of λ). */
  public int size() {
    return constraints.size();
  }

  /** CAID's step settings: η = {@code dual.eta}, λ_max = {@code dual.lambdaMax}, delay. */
  public DualStep caidStep() {
    return new DualStep(CaidDualUpdate.ETA, eta, lambdaMaxArray(), delay);
  }

  /**
   * Safe RLHF's step settings: α = {@code dual.safeRlhf.alpha}, its own cap {@code
   * dual.safeRlhf.lambdaMax} on every constraint (Safe RLHF's λ_max, not CAID's {@code
   * dual.lambdaMax}), delay.
   */
  public DualStep safeRlhfStep() {
    double[] caps = new double[size()];
    java.util.Arrays.fill(caps, safeRlhfLambdaMax);
    return new DualStep(SafeRlhfDualUpdate.ALPHA, safeRlhfAlpha, caps, delay);
  }

  /** CAID's dual step with these settings ({@link #caidStep}). */
  public CaidDualUpdate caidUpdate() {
    return new CaidDualUpdate(caidStep());
  }

  /** Safe RLHF's multiplier step with these settings ({@link #safeRlhfStep}). */
  public SafeRlhfDualUpdate safeRlhfUpdate() {
    return new SafeRlhfDualUpdate(safeRlhfStep());
  }

  /** The one-shot solver's options from these settings. */
  public OneShotDualSolver.Options oneShotOptions() {
    return new OneShotDualSolver.Options(oneShotMethod, oneShotTolerance, oneShotMaxIterations,
        lambdaMaxArray(), lambdaInitArray());
  }

  /** The caps λ_max as an array. */
  public double[] lambdaMaxArray() {
    return lambdaMax.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** The starting multipliers as an array. */
  public double[] lambdaInitArray() {
    return lambdaInit.stream().mapToDouble(Double::doubleValue).toArray();
  }
}
