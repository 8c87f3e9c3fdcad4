package io.dualign.algo;

import io.dualign.config.DualSettings;
import java.util.Arrays;
import java.util.function.ToDoubleFunction;

/**
 * A {@code WarmStart} is where an {@link AlignMethod}'s first multiplier λ(1) comes from: the
 * one-shot λ* of {@code solve-dual}, a constant from the settings, or zero where λ does not enter
 * the method at all.
 */
public interface WarmStart {
  /**
   * λ(1), one component per constraint of {@code dual}.
   *
   * @param lambdaStar solve-dual's λ*, or null when {@link #needsLambdaStar()} is false
   */
  double[] lambda(double[] lambdaStar, DualSettings dual);

  /** Whether λ(1) is solve-dual's λ* (so the method needs that stage committed). */
  boolean needsLambdaStar();

  /** λ(1) = the one-shot λ* of {@code solve-dual}. */
  static WarmStart lambdaStar() {
    return LambdaStar.INSTANCE;
  }

  /** λ(1) = 0 for every constraint. */
  static WarmStart zero() {
    return constant(d -> 0.0);
  }

  /** λ(1) = {@code value(dual)} for every constraint. */
  static WarmStart constant(ToDoubleFunction<DualSettings> value) {
    return new WarmStart() {
      @Override
      public double[] lambda(double[] lambdaStar, DualSettings dual) {
        double[] l = new double[dual.size()];
        Arrays.fill(l, value.applyAsDouble(dual));
        return l;
      }

      @Override
      public boolean needsLambdaStar() {
        return false;
      }
    };
  }

  /** The warm start at solve-dual's λ*. */
  enum LambdaStar implements WarmStart {
    INSTANCE;

    @Override
    public double[] lambda(double[] lambdaStar, DualSettings dual) {
      if (lambdaStar == null) {
        throw new IllegalArgumentException("this method starts at solve-dual's λ*, none given");
      }
      return lambdaStar.clone();
    }

    @Override
    public boolean needsLambdaStar() {
      return true;
    }
  }
}
