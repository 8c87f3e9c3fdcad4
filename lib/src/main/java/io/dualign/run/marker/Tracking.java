package io.dualign.run.marker;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A {@code Tracking} is the MLflow tracking status a marker records when tracking is on: the
 * experiment, the MLflow run id, whether every figure so far reached the server, and why not.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Tracking(
    @JsonProperty("mlflow_experiment") String mlflowExperiment,
    @JsonProperty("mlflow_run_id") String mlflowRunId,
    @JsonProperty("complete") Boolean complete,
    @JsonProperty("problem") String problem) {}
