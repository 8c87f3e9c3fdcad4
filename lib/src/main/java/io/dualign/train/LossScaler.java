package io.dualign.train;

import java.util.Locale;

/**
 * A {@code LossScaler} is the loss-scaling policy of float16 training, with the semantics of
 * PyTorch's {@code torch.amp.GradScaler}: the loss is multiplied by the scale S before the
 * backward pass (so small float16 gradients do not flush to zero), the gradients are divided by
 * S before clipping and the optimizer step, and after each step {@link #update} is told whether
 * every gradient was finite. A dynamic scaler skips a step whose gradients overflowed and halves
 * S, and doubles S after {@code growthInterval} clean steps in a row (torch's defaults: S starts at
 * 2^16, interval 2000, factors 2 and 0.5). A fixed scaler keeps S; an overflow under it is a
 * divergence (nothing would change on the next step). Pure state, no arrays.
 */
public final class LossScaler {
  /** torch's {@code GradScaler(init_scale=2.**16)}. */
  public static final double INITIAL_SCALE = 65536.0;
  /** torch's {@code growth_interval}. */
  public static final int GROWTH_INTERVAL = 2000;
  static final double GROWTH_FACTOR = 2.0;
  static final double BACKOFF_FACTOR = 0.5;

  private final boolean dynamic;
  private final int growthInterval;
  private double scale;
  private int cleanSteps;
  private long skipped;

  private LossScaler(boolean dynamic, double scale, int growthInterval) {
    if (!(scale > 0) || Double.isInfinite(scale)) {
      throw new IllegalArgumentException("loss scale must be a finite number > 0, was " + scale);
    }
    if (growthInterval < 1) {
      throw new IllegalArgumentException("growth interval must be >= 1, was " + growthInterval);
    }
    this.dynamic = dynamic;
    this.scale = scale;
    this.growthInterval = growthInterval;
  }

  /** Dynamic scaling with torch's defaults. */
  public static LossScaler dynamic() {
    return dynamic(INITIAL_SCALE, GROWTH_INTERVAL);
  }

  /** Dynamic scaling from {@code initial}, doubling after {@code growthInterval} clean steps. */
  public static LossScaler dynamic(double initial, int growthInterval) {
    return new LossScaler(true, initial, growthInterval);
  }

  /** A fixed scale S (1: no scaling). */
  public static LossScaler fixed(double scale) {
    return new LossScaler(false, scale, 1);
  }

  /**
   * The scaler {@code train.lossScale} asks for when the trainable weights or the computation are
   * float16 ({@code float16}): {@code dynamic}, {@code none} or a fixed number; in float32 no
   * scaling (S = 1) whatever the setting.
   */
  public static LossScaler forTraining(String setting, boolean float16) {
    LossScaler s = parse(setting);
    return float16 ? s : fixed(1);
  }

  /** Parses {@code train.lossScale}: {@code dynamic}, {@code none} or a number > 0. */
  public static LossScaler parse(String setting) {
    String v = setting.trim().toLowerCase(Locale.ROOT);
    if (v.equals("dynamic")) {
      return dynamic();
    }
    if (v.equals("none")) {
      return fixed(1);
    }
    double s;
    try {
      s = Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("train.lossScale: '" + setting + "' is not dynamic, none "
          + "or a number > 0");
    }
    if (!(s > 0) || Double.isInfinite(s)) {
      throw new IllegalArgumentException("train.lossScale: '" + setting + "' is not dynamic, none "
          + "or a number > 0");
    }
    return fixed(s);
  }

  /** The scale S the next step's loss is multiplied by. */
  public double scale() {
    return scale;
  }

  public boolean isDynamic() {
    return dynamic;
  }

  /** Steps skipped because their gradients were not finite. */
  public long skippedSteps() {
    return skipped;
  }

  /**
   * Records a step whose (scaled) gradients were all finite or not, and returns whether the
   * optimizer takes it. Dynamic: an overflow skips the step, halves S and restarts the count of
   * clean steps; the {@code growthInterval}-th clean step in a row doubles S (after the step).
   * Fixed: returns {@code finite}; S never changes.
   */
  public boolean update(boolean finite) {
    if (!dynamic) {
      return finite;
    }
    if (!finite) {
      scale *= BACKOFF_FACTOR;
      cleanSteps = 0;
      skipped++;
      return false;
    }
    cleanSteps++;
    if (cleanSteps == growthInterval) {
      scale *= GROWTH_FACTOR;
      cleanSteps = 0;
    }
    return true;
  }
}
