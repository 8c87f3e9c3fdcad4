package io.dualign.config;

import com.typesafe.config.Config;

/**
 * {@code RuntimeSettings} are the settings of the {@code runtime} section: how this invocation
 * runs, free to change when a run is resumed.
 */
public record RuntimeSettings(String master, int progressIntervalSeconds, int djlThreadsPerTask,
    String modelDelivery, long broadcastMaxBytes) {
  static RuntimeSettings from(Config c) {
    return new RuntimeSettings(c.getString("runtime.master"),
        c.getInt("runtime.progressIntervalSeconds"), c.getInt("runtime.djlThreadsPerTask"),
        c.getString("runtime.modelDelivery"), c.getLong("runtime.broadcastMaxBytes"));
  }
}
