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
    final long bytes;
    volatile boolean closed;

    FakeModel(String version) {
      this(version, 100);
    }

    FakeModel(String version, long bytes) {
      this.version = version;
      this.bytes = bytes;
    }

    long bytes() {
      return bytes;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  @AfterEach
  void clear() {
    ExecutorModelCache.closeAll();
    ExecutorModelCache.resetStats();
  }

  private static ExecutorModelCache.Key key(String name, String version) {
    return new ExecutorModelCache.Key("file:/m/" + name, version, "cpu()");
  }

  /** Loads (or finds) {@code key} as a model of {@code bytes}, counting loads; releases it. */
  private static FakeModel touch(ExecutorModelCache.Key key, long bytes, AtomicInteger loads)
      throws Exception {
    try (ExecutorModelCache.Lease<FakeModel> l = ExecutorModelCache.acquire(key, () -> {
      loads.incrementAndGet();
      return new FakeModel(key.version(), bytes);
    }, FakeModel::bytes)) {
      return l.get();
    }
  }

  private static List<String> cachedNames() {
    return ExecutorModelCache.cached().stream()
        .map(k -> k.uri().substring("file:/m/".length()) + "@" + k.version()).sorted().toList();
  }

  @Test
  void theLeastRecentlyUsedIdleModelIsEvictedWhenTheBoundIsExceeded() throws Exception {
    ExecutorModelCache.setMaxBytes(250);
    AtomicInteger loads = new AtomicInteger();
    FakeModel a = touch(key("a", "v1"), 100, loads);
    FakeModel b = touch(key("b", "v1"), 100, loads);
    assertSame(a, touch(key("a", "v1"), 100, loads)); // a is now more recent than b
    FakeModel c = touch(key("c", "v1"), 100, loads);
    assertTrue(b.closed, "b was the least recently used");
    assertFalse(a.closed);
    assertFalse(c.closed);
    assertEquals(List.of("a@v1", "c@v1"), cachedNames());
    FakeModel d = touch(key("d", "v1"), 100, loads);
    assertTrue(a.closed, "then a");
    assertEquals(List.of("c@v1", "d@v1"), cachedNames());
    assertFalse(d.closed);
    assertEquals(4, loads.get());
    ExecutorModelCache.Stats s = ExecutorModelCache.stats();
    assertEquals(new ExecutorModelCache.Stats(4, 1, 2, 200, 250), s);
  }

  @Test
  void aModelInUseIsNeverEvicted() throws Exception {
    ExecutorModelCache.setMaxBytes(150);
    AtomicInteger loads = new AtomicInteger();
    ExecutorModelCache.Lease<FakeModel> held = ExecutorModelCache.acquire(key("policy", "v1"),
        () -> new FakeModel("v1", 100), FakeModel::bytes);
    ExecutorModelCache.Lease<FakeModel> reward = ExecutorModelCache.acquire(key("reward", "v1"),
        () -> new FakeModel("v1", 100), FakeModel::bytes);
    // Both held by a running task: over the bound, nothing is closed.
    assertFalse(held.get().closed);
    assertFalse(reward.get().closed);
    assertEquals(200, ExecutorModelCache.stats().residentBytes());
    assertEquals(0, ExecutorModelCache.stats().evictions());
    FakeModel r = reward.get();
    reward.close();
    // Released while the policy is still held: the idle one goes to meet the bound.
    assertTrue(r.closed);
    FakeModel cost = touch(key("cost", "v1"), 100, loads);
    assertTrue(cost.closed, "idle as soon as its task released it, and over the bound");
    assertFalse(held.get().closed, "still leased");
    assertEquals(List.of("policy@v1"), cachedNames());
    FakeModel p = held.get();
    held.close();
    assertFalse(p.closed, "within the bound once alone");
    assertEquals(List.of("policy@v1"), cachedNames());
    assertEquals(new ExecutorModelCache.Stats(3, 0, 2, 100, 150), ExecutorModelCache.stats());
  }

  @Test
  void aModelLargerThanTheBoundStillLoadsAloneAndStaysCached() throws Exception {
    ExecutorModelCache.setMaxBytes(50);
    AtomicInteger loads = new AtomicInteger();
    FakeModel big = touch(key("big", "v1"), 400, loads);
    assertFalse(big.closed, "the last cached model stays, however large");
    assertSame(big, touch(key("big", "v1"), 400, loads));
    assertEquals(1, loads.get());
    FakeModel small = touch(key("small", "v1"), 10, loads);
    assertTrue(big.closed, "evicted once another model needs the room");
    assertFalse(small.closed);
    assertEquals(new ExecutorModelCache.Stats(2, 1, 1, 10, 50), ExecutorModelCache.stats());
  }

  @Test
  void theSameUriAndVersionIsReusedAndANewVersionReplacesTheOldBeforeItLoads()
      throws Exception {
    ExecutorModelCache.setMaxBytes(1000);
    AtomicInteger loads = new AtomicInteger();
    FakeModel v1 = touch(key("policy", "v1"), 300, loads);
    for (int i = 0; i < 5; i++) {
      assertSame(v1, touch(key("policy", "v1"), 300, loads));
    }
    assertEquals(1, loads.get());
    assertEquals(1, ExecutorModelCache.loads(key("policy", "v1")));
    try (ExecutorModelCache.Lease<FakeModel> v2 = ExecutorModelCache.acquire(
        key("policy", "v2"), () -> {
          assertTrue(v1.closed, "the idle old version is closed before the new one loads");
          return new FakeModel("v2", 300);
        }, FakeModel::bytes)) {
      assertEquals(300, ExecutorModelCache.stats().residentBytes(), "never two versions");
      assertEquals("v2", v2.get().version);
    }
    assertEquals(new ExecutorModelCache.Stats(2, 5, 0, 300, 1000), ExecutorModelCache.stats());
  }

  @Test
  void aNewVersionsExpectedSizeMakesRoomBeforeItLoads() throws Exception {
    ExecutorModelCache.setMaxBytes(250);
    AtomicInteger loads = new AtomicInteger();
    touch(key("policy", "v1"), 100, loads);
    FakeModel reward = touch(key("reward", "v1"), 100, loads);
    FakeModel cost = touch(key("cost", "v1"), 100, loads); // evicts policy v1
    assertEquals(List.of("cost@v1", "reward@v1"), cachedNames());
    // policy v2 is expected at v1's 100 bytes: the least recently used (reward) makes room first.
    try (ExecutorModelCache.Lease<FakeModel> v2 = ExecutorModelCache.acquire(
        key("policy", "v2"), () -> {
          assertTrue(reward.closed, "room made before the load");
          return new FakeModel("v2", 100);
        }, FakeModel::bytes)) {
      assertFalse(cost.closed);
    }
    assertEquals(new ExecutorModelCache.Stats(4, 0, 2, 200, 250), ExecutorModelCache.stats());
  }

  @Test
  void aBoundMustBePositive() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ExecutorModelCache.setMaxBytes(0));
    assertEquals("model cache bound must be > 0 bytes, was 0", e.getMessage());
    IllegalArgumentException p = assertThrows(IllegalArgumentException.class,
        () -> ExecutorModels.applyCacheBound("12GB"));
    assertEquals("dualign.modelCacheBytes must be a byte count, was '12GB'", p.getMessage());
    ExecutorModels.applyCacheBound("4096");
    assertEquals(4096, ExecutorModelCache.maxBytes());
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
        }, FakeModel::bytes)) {
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
    ExecutorModelCache.Lease<FakeModel> held = ExecutorModelCache.acquire(v1, () -> new FakeModel("v1"), FakeModel::bytes);
    FakeModel oldModel = held.get();
    ExecutorModelCache.acquire(other, () -> new FakeModel("r"), FakeModel::bytes).close();
    try (ExecutorModelCache.Lease<FakeModel> newer =
        ExecutorModelCache.acquire(v2, () -> new FakeModel("v2"), FakeModel::bytes)) {
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
    }, FakeModel::bytes));
    assertTrue(ExecutorModelCache.cached().isEmpty());
    try (ExecutorModelCache.Lease<FakeModel> ok =
        ExecutorModelCache.acquire(key, () -> new FakeModel("v1"), FakeModel::bytes)) {
      assertEquals("v1", ok.get().version);
    }
    assertEquals(1, ExecutorModelCache.loads(key));
  }

  @Test
  void closeAllClosesIdleModels() throws Exception {
    ExecutorModelCache.Key key = new ExecutorModelCache.Key("file:/m/c", "v1", "cpu()");
    FakeModel m;
    try (ExecutorModelCache.Lease<FakeModel> l = ExecutorModelCache.acquire(key, () -> new FakeModel("v1"), FakeModel::bytes)) {
      m = l.get();
    }
    ExecutorModelCache.closeAll();
    assertTrue(m.closed);
    assertTrue(ExecutorModelCache.cached().isEmpty());
  }
}
