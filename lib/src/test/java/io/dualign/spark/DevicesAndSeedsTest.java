package io.dualign.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DevicesAndSeedsTest {

  @Test
  void noGpuResourceOrNoDjlGpuMeansCpu() {
    assertEquals(Device.cpu(), Devices.forTask(List.of(), 2, null));
    assertEquals(Device.cpu(), Devices.forTask(List.of("1"), 0, null));
  }

  @Test
  void gpuAddressesMapThroughCudaVisibleDevices() {
    assertEquals(Device.gpu(1), Devices.forTask(List.of("1"), 2, null));
    assertEquals(Device.gpu(1), Devices.forTask(List.of("3"), 2, "2,3"));
    assertEquals(0, Devices.cudaIndex("5", " 5 ,7"));
    IllegalStateException notVisible = assertThrows(IllegalStateException.class,
        () -> Devices.cudaIndex("4", "2,3"));
    assertEquals("task GPU address 4 is not in CUDA_VISIBLE_DEVICES=2,3", notVisible.getMessage());
    assertThrows(IllegalStateException.class, () -> Devices.forTask(List.of("3"), 2, null));
  }

  @Test
  void seedsAreStableAndDistinctPerComponent() {
    long s = Seeds.mix(42, 1, "p-abc", 0);
    assertEquals(s, Seeds.mix(42, 1, "p-abc", 0));
    Set<Long> seen = new HashSet<>();
    for (long run : new long[] {42, 43}) {
      for (int it = 0; it < 3; it++) {
        for (String p : List.of("p-abc", "p-abd", "")) {
          for (int k = 0; k < 4; k++) {
            seen.add(Seeds.mix(run, it, p, k));
          }
        }
      }
    }
    assertEquals(2 * 3 * 3 * 4, seen.size());
    assertNotEquals(Seeds.forPurpose(42, "split"), Seeds.forPurpose(42, "relabel"));
    // FNV-1a 64 reference values.
    assertEquals(0xCBF29CE484222325L, Seeds.fnv1a64(""));
    assertEquals(0xAF63DC4C8601EC8CL, Seeds.fnv1a64("a"));
  }
}
