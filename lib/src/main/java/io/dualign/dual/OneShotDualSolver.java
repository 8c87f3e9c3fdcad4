package io.dualign.dual;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * A {@code OneShotDualSolver} minimises the one-shot (MoCAN) dual D(λ) over the box
 * 0 ≤ λ ≤ λ_max, by projected Newton (Bertsekas' two-metric method: Newton on the free
 * components, the bound-active ones held) or projected gradient (first trial step by
 * Barzilai-Borwein, as in spectral projected gradient), each with an Armijo backtracking
 * line search along the projection arc. It stops when the projected gradient
 * ‖λ − clamp(λ − ∇D(λ))‖_∞ is at most the tolerance (KKT to that precision), when the line search
 * can no longer decrease D (floating-point floor), or at the iteration cap.
 *
 * <p>D is convex, so the stationary point found is λ*; ∇D(λ*) = E_{π_λ*}[h] is the slack the
 * policy π_λ* is predicted to have (≥ 0, and 0 where λ*_i &gt; 0).
 */
public final class OneShotDualSolver {
  private static final double ARMIJO = 1e-4;
  private static final int MAX_HALVINGS = 60;

  /** The minimiser. */
  public enum Method { NEWTON, GRADIENT }

  /** Options of a solve. */
  public record Options(Method method, double tolerance, int maxIterations, double[] lambdaMax,
      double[] lambdaInit) {
    public Options {
      if (!(tolerance > 0) || maxIterations < 1) {
        throw new IllegalArgumentException("tolerance must be > 0 and maxIterations >= 1, were "
            + tolerance + " and " + maxIterations);
      }
      if (lambdaMax.length != lambdaInit.length) {
        throw new IllegalArgumentException("λ_max has " + lambdaMax.length
            + " components, λ_init " + lambdaInit.length);
      }
      DualStep.checkCaps(lambdaMax);
      lambdaMax = lambdaMax.clone();
      lambdaInit = lambdaInit.clone();
    }
  }

  /** One iterate: λ, D(λ), ∇D(λ), the projected-gradient norm and the step that led here. */
  public record Step(int step, double[] lambda, double value, double[] gradient,
      double projectedGradientNorm, double stepSize) {}

  /** The result: λ*, the dual there, the trajectory and why it stopped. */
  public record Solution(double[] lambda, DualValue value, List<Step> trajectory,
      int iterations, boolean converged, String stopReason, int evaluations) {
    /** Whether λ*_i sits at its cap (the constraint looks infeasible on these samples). */
    public boolean atCap(int i, double[] lambdaMax) {
      return lambda[i] >= lambdaMax[i];
    }
  }

  private OneShotDualSolver() {}

  /** Solves with no progress callback. */
  public static Solution solve(DualFunction f, Options o) {
    return solve(f, o, step -> { });
  }

  /**
   * Minimises D from {@code o.lambdaInit()} (clamped into the box).
   *
   * @param onStep called with each iterate, for progress logs
   */
  public static Solution solve(DualFunction f, Options o, Consumer<Step> onStep) {
    int m = f.size();
    if (o.lambdaMax().length != m) {
      throw new IllegalArgumentException("options for " + o.lambdaMax().length
          + " constraints, dual with " + m);
    }
    double[] hi = o.lambdaMax();
    double[] lambda = clamp(o.lambdaInit(), hi);
    DualValue v = f.evaluate(lambda);
    int evaluations = 1;
    List<Step> trajectory = new ArrayList<>();
    double stepSize = 0.0;
    double gradientStart = 1.0;
    boolean converged = false;
    String reason;
    int it = 0;
    while (true) {
      check(v, lambda, it);
      double pg = projectedGradientNorm(lambda, v.gradient(), hi);
      Step current = new Step(it, lambda.clone(), v.value(), v.gradient(), pg, stepSize);
      trajectory.add(current);
      onStep.accept(current);
      if (pg <= o.tolerance()) {
        converged = true;
        reason = String.format(Locale.ROOT, "projected gradient %.3g <= tolerance %.3g", pg,
            o.tolerance());
        break;
      }
      if (it >= o.maxIterations()) {
        reason = "iteration cap " + o.maxIterations() + " reached (projected gradient "
            + String.format(Locale.ROOT, "%.3g", pg) + ")";
        break;
      }
      Direction dir = direction(o.method(), v, lambda, hi);
      LineSearch ls = lineSearch(f, lambda, v, dir.d(), dir.newton() ? 1.0 : gradientStart, pg, hi);
      evaluations += ls.evaluations();
      if (ls.next() == null) {
        reason = String.format(Locale.ROOT, "line search cannot decrease D further (projected "
            + "gradient %.3g)", pg);
        converged = pg <= Math.sqrt(o.tolerance());
        break;
      }
      if (!dir.newton()) {
        gradientStart = barzilaiBorwein(lambda, ls.next(), v.gradient(), ls.value().gradient(),
            ls.t());
      }
      lambda = ls.next();
      v = ls.value();
      stepSize = ls.t();
      it++;
    }
    return new Solution(lambda, v, trajectory, it, converged, reason, evaluations);
  }

  /** A descent direction and whether it is Newton's (else the projected negative gradient). */
  private record Direction(double[] d, boolean newton) {}

  /**
   * The outcome of a line search: the accepted point, D there and the step size, or a null point
   * when no step was accepted; and the evaluations of D it took either way.
   */
  private record LineSearch(double[] next, DualValue value, double t, int evaluations) {}

  /**
   * The Newton direction on the free set when {@code method} is Newton and H_FF is positive
   * definite, else the negative gradient on the free set.
   */
  private static Direction direction(Method method, DualValue v, double[] lambda, double[] hi) {
    double[] g = v.gradient();
    boolean[] free = freeSet(lambda, g, hi);
    double[] d = null;
    if (method == Method.NEWTON) {
      d = newtonDirection(v.hessian(), g, free);
    }
    boolean newton = d != null;
    if (!newton) {
      d = new double[g.length];
      for (int i = 0; i < g.length; i++) {
        d[i] = free[i] ? -g[i] : 0.0;
      }
    }
    return new Direction(d, newton);
  }

  /**
   * Armijo backtracking along the projection arc clamp(λ + t·d) from trial step {@code t},
   * halving at most {@link #MAX_HALVINGS} times; {@code pg} is the projected-gradient norm at λ.
   */
  private static LineSearch lineSearch(DualFunction f, double[] lambda, DualValue v, double[] d,
      double t, double pg, double[] hi) {
    int m = lambda.length;
    double[] g = v.gradient();
    int evaluations = 0;
    for (int h = 0; h <= MAX_HALVINGS; h++) {
      double[] cand = new double[m];
      double decrease = 0.0;
      for (int i = 0; i < m; i++) {
        cand[i] = clamp(lambda[i] + t * d[i], 0.0, hi[i]);
        decrease += g[i] * (cand[i] - lambda[i]);
      }
      DualValue cv = f.evaluate(cand);
      evaluations++;
      boolean armijo = cv.value() <= v.value() + ARMIJO * decrease;
      // At the floating-point floor D no longer resolves the decrease; accept a step that
      // leaves D unchanged to rounding but shrinks the projected gradient.
      boolean floor = Math.abs(cv.value() - v.value()) <= 1e-13 * Math.max(1, Math.abs(v.value()))
          && projectedGradientNorm(cand, cv.gradient(), hi) < pg;
      if (armijo || floor) {
        return new LineSearch(cand, cv, t, evaluations);
      }
      t *= 0.5;
    }
    return new LineSearch(null, null, t, evaluations);
  }

  /**
   * The Barzilai-Borwein step ΔλᵀΔλ / ΔλᵀΔg for the next gradient iteration (the secant's inverse
   * curvature), or twice the accepted step when the curvature along Δλ is not positive.
   */
  static double barzilaiBorwein(double[] from, double[] to, double[] g0, double[] g1,
      double accepted) {
    double ss = 0.0;
    double sy = 0.0;
    for (int i = 0; i < from.length; i++) {
      double s = to[i] - from[i];
      ss += s * s;
      sy += s * (g1[i] - g0[i]);
    }
    double bb = sy > 0 ? ss / sy : 2 * accepted;
    return Math.max(1e-10, Math.min(1e10, bb));
  }

  /** ‖λ − clamp(λ − ∇D, 0, λ_max)‖_∞: 0 exactly at the box-constrained minimum. */
  public static double projectedGradientNorm(double[] lambda, double[] gradient, double[] hi) {
    double n = 0.0;
    for (int i = 0; i < lambda.length; i++) {
      n = Math.max(n, Math.abs(lambda[i] - clamp(lambda[i] - gradient[i], 0.0, hi[i])));
    }
    return n;
  }

  /** Components not held at a bound the gradient pushes against. */
  static boolean[] freeSet(double[] lambda, double[] g, double[] hi) {
    boolean[] free = new boolean[lambda.length];
    for (int i = 0; i < lambda.length; i++) {
      boolean atLow = lambda[i] <= 0.0 && g[i] > 0;
      boolean atHigh = lambda[i] >= hi[i] && g[i] < 0;
      free[i] = !atLow && !atHigh;
    }
    return free;
  }

  /**
   * The Newton direction on the free components, −H_FF⁻¹ g_F (0 elsewhere), by Cholesky; null when
   * H_FF is not positive definite (then the caller takes the gradient direction).
   */
  static double[] newtonDirection(double[][] h, double[] g, boolean[] free) {
    int m = g.length;
    int[] idx = new int[m];
    int k = 0;
    for (int i = 0; i < m; i++) {
      if (free[i]) {
        idx[k++] = i;
      }
    }
    double[] d = new double[m];
    if (k == 0) {
      return d;
    }
    double scale = 0.0;
    for (int a = 0; a < k; a++) {
      scale = Math.max(scale, Math.abs(h[idx[a]][idx[a]]));
    }
    double[][] l = new double[k][k];
    for (int a = 0; a < k; a++) {
      for (int b = 0; b <= a; b++) {
        double s = h[idx[a]][idx[b]];
        for (int c = 0; c < b; c++) {
          s -= l[a][c] * l[b][c];
        }
        if (a == b) {
          if (!(s > 1e-12 * Math.max(scale, 1e-300))) {
            return null;
          }
          l[a][a] = Math.sqrt(s);
        } else {
          l[a][b] = s / l[b][b];
        }
      }
    }
    double[] y = new double[k];
    for (int a = 0; a < k; a++) {
      double s = -g[idx[a]];
      for (int c = 0; c < a; c++) {
        s -= l[a][c] * y[c];
      }
      y[a] = s / l[a][a];
    }
    double[] x = new double[k];
    for (int a = k - 1; a >= 0; a--) {
      double s = y[a];
      for (int c = a + 1; c < k; c++) {
        s -= l[c][a] * x[c];
      }
      x[a] = s / l[a][a];
    }
    for (int a = 0; a < k; a++) {
      d[idx[a]] = x[a];
    }
    return d;
  }

  /**
   * The largest eigenvalue of a symmetric positive semi-definite matrix (power iteration), e.g.
   * the dual's curvature at λ*, whose inverse is the Newton-like step size for CAID's η.
   */
  public static double largestEigenvalue(double[][] h) {
    int m = h.length;
    double[] x = new double[m];
    Arrays.fill(x, 1.0 / Math.sqrt(m));
    double ev = 0.0;
    for (int it = 0; it < 500; it++) {
      double[] y = new double[m];
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < m; j++) {
          y[i] += h[i][j] * x[j];
        }
      }
      double n = 0.0;
      for (double yi : y) {
        n += yi * yi;
      }
      n = Math.sqrt(n);
      if (n == 0.0) {
        return 0.0;
      }
      for (int i = 0; i < m; i++) {
        x[i] = y[i] / n;
      }
      if (Math.abs(n - ev) <= 1e-12 * n) {
        return n;
      }
      ev = n;
    }
    return ev;
  }

  private static void check(DualValue v, double[] lambda, int it) {
    boolean ok = Double.isFinite(v.value());
    for (double g : v.gradient()) {
      ok &= Double.isFinite(g);
    }
    if (!ok) {
      throw new IllegalStateException("one-shot dual step " + it + ": D or ∇D is not finite at λ = "
          + Arrays.toString(lambda) + " (D = " + v.value() + ", ∇D = "
          + Arrays.toString(v.gradient()) + ")");
    }
  }

  private static double[] clamp(double[] x, double[] hi) {
    double[] c = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      c[i] = clamp(x[i], 0.0, hi[i]);
    }
    return c;
  }

  private static double clamp(double x, double lo, double hi) {
    return Math.max(lo, Math.min(hi, x));
  }
}
