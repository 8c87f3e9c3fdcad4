package io.dualign.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code ExecutorModelCache} is the JVM-wide cache of loaded models on an executor: one load
 * per executor JVM per (model uri, version, device), shared by concurrent tasks through leases,
 * and bounded in bytes ({@code runtime.modelCacheBytes}, {@link #setMaxBytes}). Acquiring a new
 * version of a model retires the old one, closed when its last lease is released, so a stage
 * never holds two versions of one policy. When the models' footprints (their weights, {@link
 * io.dualign.model.LoadedModel#weightBytes}) exceed the bound, the least recently used models
 * that no task holds are closed until the rest fits; a model in use is never closed, and a model
 * larger than the bound still loads (alone, once the others are idle). Every model is closed at
 * JVM shutdown. Loads, hits, evictions and resident bytes are counted ({@link #stats}) so tests
 * (and doctor) can prove "once per executor" and "within the bound".
 *
 * <p>Unlike DJL's Spark extension, which keeps the model in a {@code @transient} field and reloads
 * it per task, a model here outlives its task: the next task of the same stage, and of later
 * stages using the same version, finds it loaded — evaluate's many policies take turns.
 */
public final class ExecutorModelCache {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorModelCache.class);
  private static final Object LOCK = new Object();
  private static final Map<Key, Entry> ENTRIES = new HashMap<>();
  private static final Map<Key, AtomicLong> LOADS = new HashMap<>();
  /** The last known footprint of a model by (uri, device): a new version's expected size. */
  private static final Map<List<String>, Long> SIZES = new HashMap<>();
  // All guarded by LOCK.
  private static long maxBytes = Long.MAX_VALUE;
  private static long residentBytes;
  private static long hits;
  private static long evictions;
  private static long clock;
  private static boolean hookInstalled;

  private ExecutorModelCache() {}

  /** What identifies a loaded model: where it came from, which version, on which device. */
  public record Key(String uri, String version, String device) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /**
   * The cache's counters: loads done, acquisitions served without a load, models closed to stay
   * within the bound, the bytes of the models open now (cached or still leased after retirement)
   * and the bound.
   */
  public record Stats(long loads, long hits, long evictions, long residentBytes, long maxBytes) {
    /** "loads 3, hits 12, evictions 1, resident 4.2 MB of 8.0 MB". */
    public String describe() {
      return "loads " + loads + ", hits " + hits + ", evictions " + evictions + ", resident "
          + io.dualign.model.MemoryPlan.gb(residentBytes) + " of "
          + (maxBytes == Long.MAX_VALUE ? "unbounded" : io.dualign.model.MemoryPlan.gb(maxBytes));
    }
  }

  /** Loads a model; runs at most once per key per JVM while the key stays cached. */
  @FunctionalInterface
  public interface Loader<T extends AutoCloseable> {
    T load() throws Exception;
  }

  /** A task's hold on a cached model; closing it releases the hold, not the model. */
  public static final class Lease<T> implements AutoCloseable {
    private final Entry entry;
    private boolean released;

    private Lease(Entry entry) {
      this.entry = entry;
    }

    @SuppressWarnings("unchecked")
    public T get() {
      if (released) {
        throw new IllegalStateException("lease on " + entry.key + " already released");
      }
      return (T) entry.value;
    }

    @Override
    public void close() {
      if (released) {
        return;
      }
      released = true;
      List<Entry> toClose = new ArrayList<>();
      synchronized (LOCK) {
        entry.refs--;
        entry.lastUsed = ++clock;
        if (entry.retired && entry.refs == 0) {
          toClose.add(entry);
        } else if (entry.refs == 0) {
          // An idle model over the bound (loaded while others were in use) goes now.
          toClose.addAll(evictLocked(0, null));
        }
      }
      toClose.forEach(ExecutorModelCache::closeQuietly);
    }
  }

  private static final class Entry {
    final Key key;
    int refs; // guarded by LOCK
    boolean retired; // guarded by LOCK
    long bytes; // guarded by LOCK; counted in residentBytes from load to close
    long lastUsed; // guarded by LOCK
    boolean closed; // guarded by LOCK
    AutoCloseable value; // guarded by this entry (set once while loading)

    Entry(Key key) {
      this.key = key;
    }
  }

  /**
   * Bounds the bytes of the models this JVM keeps loaded ({@code runtime.modelCacheBytes} as the
   * driver resolved it); idle models over the new bound are closed at once.
   *
   * @throws IllegalArgumentException when {@code bytes} is not positive
   */
  public static void setMaxBytes(long bytes) {
    if (bytes <= 0) {
      throw new IllegalArgumentException("model cache bound must be > 0 bytes, was " + bytes);
    }
    List<Entry> toClose;
    synchronized (LOCK) {
      if (bytes == maxBytes) {
        return;
      }
      LOG.info("model cache bound {} (was {})", io.dualign.model.MemoryPlan.gb(bytes),
          maxBytes == Long.MAX_VALUE ? "unbounded" : io.dualign.model.MemoryPlan.gb(maxBytes));
      maxBytes = bytes;
      toClose = evictLocked(0, null);
    }
    toClose.forEach(ExecutorModelCache::closeQuietly);
  }

  /** The bound in bytes ({@link Long#MAX_VALUE} until a task sets one). */
  public static long maxBytes() {
    synchronized (LOCK) {
      return maxBytes;
    }
  }

  /**
   * A lease on the model for {@code key}, loading it first if this JVM has not: concurrent callers
   * for the same key wait for one load; other keys are not blocked. A key with the same uri and
   * device but another version retires the cached one. Before a load, idle models are closed,
   * least recently used first, to make room for the model's expected footprint (that of its last
   * version, when known); after it, for its actual {@code footprint}.
   *
   * @param footprint the bytes a loaded model takes (its weights)
   */
  public static <T extends AutoCloseable> Lease<T> acquire(Key key, Loader<T> loader,
      ToLongFunction<? super T> footprint) throws Exception {
    Entry e;
    List<Entry> toClose = new ArrayList<>();
    synchronized (LOCK) {
      installShutdownHook();
      e = ENTRIES.get(key);
      if (e == null) {
        for (Entry old : new ArrayList<>(ENTRIES.values())) {
          if (old.key.uri().equals(key.uri()) && old.key.device().equals(key.device())) {
            ENTRIES.remove(old.key);
            old.retired = true;
            if (old.refs == 0) {
              toClose.add(old);
            }
            LOG.info("model {} version {} retired by version {}", key.uri(), old.key.version(),
                key.version());
          }
        }
        e = new Entry(key);
        ENTRIES.put(key, e);
        Long expected = SIZES.get(sizeKey(key));
        toClose.addAll(evictLocked(expected == null ? 0 : expected, toClose));
      } else {
        hits++;
      }
      e.refs++;
      e.lastUsed = ++clock;
    }
    toClose.forEach(ExecutorModelCache::closeQuietly);
    synchronized (e) {
      if (e.value == null) {
        T value;
        try {
          long t0 = System.nanoTime();
          value = loader.load();
          long bytes;
          try {
            bytes = footprint.applyAsLong(value);
          } catch (RuntimeException sizeFailure) {
            value.close();
            throw sizeFailure;
          }
          e.value = value;
          Stats s;
          List<Entry> over;
          synchronized (LOCK) {
            LOADS.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
            e.bytes = bytes;
            residentBytes += bytes;
            SIZES.put(sizeKey(key), bytes);
            over = evictLocked(0, null);
            s = statsLocked();
          }
          over.forEach(ExecutorModelCache::closeQuietly);
          LOG.info("loaded model {} version {} on {} ({}) in {} ms; model cache: {}", key.uri(),
              key.version(), key.device(), io.dualign.model.MemoryPlan.gb(bytes),
              (System.nanoTime() - t0) / 1_000_000, s.describe());
          if (s.residentBytes() > s.maxBytes()) {
            LOG.info("model cache: over its bound while the models in use stay loaded ({})",
                s.describe());
          }
        } catch (Exception | Error failure) {
          synchronized (LOCK) {
            e.refs--;
            ENTRIES.remove(key, e);
          }
          throw failure;
        }
      }
    }
    return new Lease<>(e);
  }

  /**
   * Picks idle cached models to close, least recently used first, until the resident bytes plus
   * {@code incoming} fit the bound, and takes them out of the cache (the caller closes them
   * outside the lock); the last cached model is never evicted, so a model larger than the bound
   * stays until another one needs the room. {@code pending} are already chosen for closing by the
   * caller.
   */
  private static List<Entry> evictLocked(long incoming, List<Entry> pending) {
    long resident = residentBytes;
    if (pending != null) {
      for (Entry p : pending) {
        resident -= p.closed ? 0 : p.bytes;
      }
    }
    List<Entry> out = new ArrayList<>();
    if (resident + incoming <= maxBytes) {
      return out;
    }
    List<Entry> idle = ENTRIES.values().stream().filter(x -> x.refs == 0 && x.bytes > 0)
        .sorted(Comparator.comparingLong(x -> x.lastUsed)).toList();
    for (Entry victim : idle) {
      if (resident + incoming <= maxBytes || ENTRIES.size() <= 1) {
        break; // within the bound, or the last model: it stays, however large
      }
      ENTRIES.remove(victim.key);
      victim.retired = true;
      resident -= victim.bytes;
      evictions++;
      out.add(victim);
      LOG.info("model cache: evicting model {} version {} on {} ({}, least recently used) to "
          + "stay within {}", victim.key.uri(), victim.key.version(), victim.key.device(),
          io.dualign.model.MemoryPlan.gb(victim.bytes), io.dualign.model.MemoryPlan.gb(maxBytes));
    }
    return out;
  }

  private static List<String> sizeKey(Key key) {
    return List.of(key.uri(), key.device());
  }

  /** How many times this JVM loaded the model with this key. */
  public static long loads(Key key) {
    synchronized (LOCK) {
      AtomicLong n = LOADS.get(key);
      return n == null ? 0 : n.get();
    }
  }

  /** How many loads this JVM did in all. */
  public static long totalLoads() {
    synchronized (LOCK) {
      return LOADS.values().stream().mapToLong(AtomicLong::get).sum();
    }
  }

  /** The cache's counters now. */
  public static Stats stats() {
    synchronized (LOCK) {
      return statsLocked();
    }
  }

  private static Stats statsLocked() {
    return new Stats(LOADS.values().stream().mapToLong(AtomicLong::get).sum(), hits, evictions,
        residentBytes, maxBytes);
  }

  /** The keys cached now. */
  public static List<Key> cached() {
    synchronized (LOCK) {
      return List.copyOf(ENTRIES.keySet());
    }
  }

  /** Closes and forgets every cached model (leases still held keep theirs until released). */
  public static void closeAll() {
    List<Entry> toClose = new ArrayList<>();
    synchronized (LOCK) {
      for (Entry e : ENTRIES.values()) {
        e.retired = true;
        if (e.refs == 0) {
          toClose.add(e);
        }
      }
      ENTRIES.clear();
    }
    toClose.forEach(ExecutorModelCache::closeQuietly);
  }

  /**
   * Forgets the counters and the bound (tests): loads, hits and evictions back to 0, unbounded.
   * Models are not closed; call {@link #closeAll} first.
   */
  static void resetStats() {
    synchronized (LOCK) {
      LOADS.clear();
      SIZES.clear();
      hits = 0;
      evictions = 0;
      maxBytes = Long.MAX_VALUE;
    }
  }

  private static void installShutdownHook() {
    if (!hookInstalled) {
      hookInstalled = true;
      Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModelCache::closeAll,
          "dualign-model-cache-shutdown"));
    }
  }

  private static void closeQuietly(Entry e) {
    synchronized (LOCK) {
      if (e.closed) {
        return;
      }
      e.closed = true;
      residentBytes -= e.bytes;
    }
    AutoCloseable v;
    synchronized (e) {
      v = e.value;
      e.value = null;
    }
    if (v != null) {
      try {
        v.close();
      } catch (Exception ex) {
        LOG.warn("closing model {} failed: {}", e.key, ex.toString());
      }
    }
  }
}
