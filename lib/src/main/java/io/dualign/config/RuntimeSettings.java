package io.dualign.config;

import com.typesafe.config.Config;

/**
 * {@code RuntimeSettings} are the settings of the {@code runtime} section: how this invocation
 * runs, free to change when a run is resumed.
 */
public record RuntimeSettings(String master, int progressIntervalSeconds, int djlThreadsPerTask,
    int trainThreads, String modelDelivery, long broadcastMaxBytes, long taskMemoryBytes,
    long modelCacheBytes) {
  static RuntimeSettings from(Config c) {
    return new RuntimeSettings(c.getString("runtime.master"),
        c.getInt("runtime.progressIntervalSeconds"), c.getInt("runtime.djlThreadsPerTask"),
        c.getInt("runtime.trainThreads"), c.getString("runtime.modelDelivery"),
        c.getLong("runtime.broadcastMaxBytes"), c.getLong("runtime.taskMemoryBytes"),
        c.getLong("runtime.modelCacheBytes"));
  }

  /**
   * PyTorch intra-op threads of the one-task stages (sft, train-reward, train-cost, the DPO epoch
   * of align): {@code runtime.trainThreads}, or {@code runtime.djlThreadsPerTask} when it is 0.
   */
  public int oneTaskThreads() {
    return trainThreads > 0 ? trainThreads : djlThreadsPerTask;
  }
}
