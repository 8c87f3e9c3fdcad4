package io.dualign.run.marker;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * A {@code TaskDevice} is where a Spark task trained, as a training or align iteration marker
 * records it in {@code device}: the DJL device it computed on ({@code compute}, e.g.
 * {@code cpu()} or {@code gpu(0)}) and the GPU addresses Spark gave the task (empty when it
 * asked for none).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TaskDevice(
    @JsonProperty(value = "compute", required = true) String compute,
    @JsonProperty(value = "task_gpu_addresses", required = true) List<String> taskGpuAddresses) {}
