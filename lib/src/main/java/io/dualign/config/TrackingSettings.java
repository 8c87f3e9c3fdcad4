package io.dualign.config;

import com.typesafe.config.Config;
import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * {@code TrackingSettings} are the settings of the {@code tracking} section: the MLflow tracking
 * server a run reports to ({@code tracking.mlflow.uri}, empty for none), its experiment and the
 * time allowed per request. Credentials are never settings (they come from the environment).
 */
public record TrackingSettings(String mlflowUri, String experiment, int timeoutSeconds)
    implements Serializable {
  /** The section whose keys may change when a run is resumed (no output depends on them). */
  public static final String SECTION = "tracking.";

  public TrackingSettings {
    mlflowUri = mlflowUri.strip();
    if (!mlflowUri.isEmpty()) {
      URI u;
      try {
        u = new URI(mlflowUri);
      } catch (URISyntaxException e) {
        throw new ConfigError("tracking.mlflow.uri = " + mlflowUri + " is not allowed: "
            + e.getMessage(), e);
      }
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
        throw new ConfigError("tracking.mlflow.uri = " + mlflowUri + " is not allowed: expected "
            + "http://host[:port][/path] or https://..., the address of an MLflow tracking server");
      }
      if (u.getRawUserInfo() != null) {
        throw new ConfigError("tracking.mlflow.uri is not allowed to hold a user or password "
            + "(the configuration is recorded in manifest.json); give them in "
            + "MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or a token in "
            + "MLFLOW_TRACKING_TOKEN");
      }
      if (experiment.isBlank()) {
        throw new ConfigError("tracking.mlflow.experiment = \"\" is not allowed: name the MLflow "
            + "experiment of the run");
      }
    }
  }

  static TrackingSettings from(Config c) {
    return new TrackingSettings(c.getString("tracking.mlflow.uri"),
        c.getString("tracking.mlflow.experiment"), c.getInt("tracking.mlflow.timeoutSeconds"));
  }

  /** Whether a tracking server is configured. */
  public boolean enabled() {
    return !mlflowUri.isEmpty();
  }
}
