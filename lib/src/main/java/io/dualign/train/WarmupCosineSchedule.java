package io.dualign.train;

import ai.djl.training.tracker.Tracker;

/**
 * A {@code WarmupCosineSchedule} is a learning rate that rises linearly from 0 to {@code peak}
 * over {@code warmupSteps} updates, then follows a half cosine down to {@code floor} at
 * {@code totalSteps}, and stays there.
 */
public record WarmupCosineSchedule(float peak, float floor, int warmupSteps, int totalSteps)
    implements Tracker {
  public WarmupCosineSchedule {
    if (!(peak > 0) || floor < 0 || floor > peak || warmupSteps < 0 || totalSteps < 1) {
      throw new IllegalArgumentException("bad schedule: peak " + peak + ", floor " + floor
          + ", warmup " + warmupSteps + ", total " + totalSteps);
    }
  }

  /** The rate of update number {@code numUpdate} (1 = the first update). */
  @Override
  public float getNewValue(int numUpdate) {
    if (numUpdate <= warmupSteps) {
      return peak * numUpdate / warmupSteps;
    }
    if (numUpdate >= totalSteps) {
      return floor;
    }
    double progress = (double) (numUpdate - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
    return (float) (floor + (peak - floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
  }
}
