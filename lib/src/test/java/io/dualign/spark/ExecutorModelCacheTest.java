package io.dualign.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ExecutorModelCacheTest {

  /** A stand-in for a loaded model that records whether it was closed. */
  static final class FakeModel implements AutoCloseable {
    final String version;
    volatile boolean closed;

    FakeModel(String version) {
      this.version = version;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  @AfterEach
  void clear() {
    ExecutorModelCache.closeAll();
  }

  @Test
  void concurrentTasksShareOneLoad() throws Exception {
    ExecutorModelCache.Key key = new ExecutorModelCache.Key("file:/m/policy-a", "v1", "cpu()");
    AtomicInteger loads = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<FakeModel>> results = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      results.add(pool.submit(() -> {
        start.await();
        try (ExecutorModelCache.Lease<FakeModel> lease = ExecutorModelCache.acquire(key, () -> {
          loads.incrementAndGet();
          Thread.sleep(100);
          return new FakeModel("v1");
        })) {
          return lease.get();
        }
      }));
    }
    start.countDown();
    FakeModel first = results.get(0).get();
    for (Future<FakeModel> f : results) {
      assertSame(first, f.get());
    }
    pool.shutdown();
    assertEquals(1, loads.get());
    assertEquals(1, ExecutorModelCache.loads(key));
    assertFalse(first.closed, "a released model stays cached for the next task");
  }

  @Test
  void aNewVersionRetiresTheOldOneWhenItsLastLeaseIsReleased() throws Exception {
    ExecutorModelCache.Key v1 = new ExecutorModelCache.Key("file:/m/policy-b", "v1", "cpu()");
    ExecutorModelCache.Key v2 = new ExecutorModelCache.Key("file:/m/policy-b", "v2", "cpu()");
    ExecutorModelCache.Key other = new ExecutorModelCache.Key("file:/m/reward", "v1", "cpu()");
    ExecutorModelCache.Lease<FakeModel> held = ExecutorModelCache.acquire(v1, () -> new FakeModel("v1"));
    FakeModel oldModel = held.get();
    ExecutorModelCache.acquire(other, () -> new FakeModel("r")).close();
    try (ExecutorModelCache.Lease<FakeModel> newer =
        ExecutorModelCache.acquire(v2, () -> new FakeModel("v2"))) {
      assertEquals("v2", newer.get().version);
      assertFalse(oldModel.closed, "still leased by a running task");
      held.close();
      assertTrue(oldModel.closed, "closed when the last lease is released");
    }
    assertEquals(List.of("v1", "v2"), ExecutorModelCache.cached().stream()
        .map(ExecutorModelCache.Key::version).sorted().toList());
    assertThrows(IllegalStateException.class, held::get);
  }

  @Test
  void aFailedLoadIsNotCachedAndTheNextTaskRetries() throws Exception {
    ExecutorModelCache.Key key = new ExecutorModelCache.Key("file:/m/broken", "v1", "cpu()");
    assertThrows(java.io.IOException.class, () -> ExecutorModelCache.acquire(key, () -> {
      throw new java.io.IOException("sha256 mismatch");
    }));
    assertTrue(ExecutorModelCache.cached().isEmpty());
    try (ExecutorModelCache.Lease<FakeModel> ok =
        ExecutorModelCache.acquire(key, () -> new FakeModel("v1"))) {
      assertEquals("v1", ok.get().version);
    }
    assertEquals(1, ExecutorModelCache.loads(key));
  }

  @Test
  void closeAllClosesIdleModels() throws Exception {
    ExecutorModelCache.Key key = new ExecutorModelCache.Key("file:/m/c", "v1", "cpu()");
    FakeModel m;
    try (ExecutorModelCache.Lease<FakeModel> l = ExecutorModelCache.acquire(key, () -> new FakeModel("v1"))) {
      m = l.get();
    }
    ExecutorModelCache.closeAll();
    assertTrue(m.closed);
    assertTrue(ExecutorModelCache.cached().isEmpty());
  }
}
