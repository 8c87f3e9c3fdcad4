package io.dualign.spark;

import ai.djl.Device;
import java.util.List;

/**
 * {@code Devices} maps a Spark task's GPU resource addresses to the DJL device its models run on:
 * the GPU when DJL sees GPUs (through {@code CUDA_VISIBLE_DEVICES}, which renumbers them), the CPU
 * otherwise — a task without a "gpu" resource (local mode, CPU clusters) always runs on the CPU.
 * Never request task GPUs in local mode: Spark hangs.
 */
public final class Devices {
  private Devices() {}

  /**
   * The device for a task.
   *
   * @param gpuAddresses the task's Spark "gpu" addresses (empty when none)
   * @param djlGpuCount GPUs DJL reports in this JVM
   * @param cudaVisibleDevices the executor's {@code CUDA_VISIBLE_DEVICES}, or null
   */
  public static Device forTask(List<String> gpuAddresses, int djlGpuCount,
      String cudaVisibleDevices) {
    if (gpuAddresses.isEmpty() || djlGpuCount == 0) {
      return Device.cpu();
    }
    int index = cudaIndex(gpuAddresses.get(0), cudaVisibleDevices);
    if (index >= djlGpuCount) {
      throw new IllegalStateException("task GPU address " + gpuAddresses.get(0)
          + " maps to CUDA device " + index + " but DJL sees " + djlGpuCount
          + " GPU(s) (CUDA_VISIBLE_DEVICES=" + cudaVisibleDevices + ")");
    }
    return Device.gpu(index);
  }

  /**
   * The CUDA device index of a Spark GPU address. Spark addresses are physical ids (from the
   * discovery script); with {@code CUDA_VISIBLE_DEVICES} set, CUDA numbers the visible devices
   * 0..n-1 in the listed order, so the index is the address's position in that list.
   */
  public static int cudaIndex(String address, String cudaVisibleDevices) {
    if (cudaVisibleDevices == null || cudaVisibleDevices.isBlank()) {
      return parse(address);
    }
    String[] visible = cudaVisibleDevices.split(",");
    for (int i = 0; i < visible.length; i++) {
      if (visible[i].trim().equals(address.trim())) {
        return i;
      }
    }
    throw new IllegalStateException("task GPU address " + address
        + " is not in CUDA_VISIBLE_DEVICES=" + cudaVisibleDevices);
  }

  private static int parse(String address) {
    try {
      return Integer.parseInt(address.trim());
    } catch (NumberFormatException e) {
      throw new IllegalStateException("GPU address '" + address + "' is not a device number "
          + "(set CUDA_VISIBLE_DEVICES when the discovery script reports UUIDs)", e);
    }
  }
}
