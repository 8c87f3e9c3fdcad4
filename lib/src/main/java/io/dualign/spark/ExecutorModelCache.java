package io.dualign.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code ExecutorModelCache} is the JVM-wide cache of loaded models on an executor: one load
 * per executor JVM per (model uri, version, device), shared by concurrent tasks through leases.
 * Acquiring a new version of a model retires the old one, which is closed when its last lease is
 * released; every model is closed at JVM shutdown. Load counts are kept so tests (and doctor) can
 * prove "once per executor".
 *
 * <p>Unlike DJL's Spark extension, which keeps the model in a {@code @transient} field and reloads
 * it per task, a model here outlives its task: the next task of the same stage, and of later
 * stages using the same version, finds it loaded.
 */
public final class ExecutorModelCache {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorModelCache.class);
  private static final Object LOCK = new Object();
  private static final Map<Key, Entry> ENTRIES = new HashMap<>();
  private static final Map<Key, AtomicLong> LOADS = new HashMap<>();
  private static boolean hookInstalled;

  private ExecutorModelCache() {}

  /** What identifies a loaded model: where it came from, which version, on which device. */
  public record Key(String uri, String version, String device) implements Serializable {
    private static final long serialVersionUID = 1L;
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
      boolean closeNow;
      synchronized (LOCK) {
        entry.refs--;
        closeNow = entry.retired && entry.refs == 0;
      }
      if (closeNow) {
        closeQuietly(entry);
      }
    }
  }

  private static final class Entry {
    final Key key;
    int refs; // guarded by LOCK
    boolean retired; // guarded by LOCK
    AutoCloseable value; // guarded by this entry (set once while loading)

    Entry(Key key) {
      this.key = key;
    }
  }

  /**
   * A lease on the model for {@code key}, loading it first if this JVM has not: concurrent callers
   * for the same key wait for one load; other keys are not blocked. A key with the same uri and
   * device but another version retires the cached one.
   */
  public static <T extends AutoCloseable> Lease<T> acquire(Key key, Loader<T> loader)
      throws Exception {
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
      }
      e.refs++;
    }
    toClose.forEach(ExecutorModelCache::closeQuietly);
    synchronized (e) {
      if (e.value == null) {
        try {
          long t0 = System.nanoTime();
          e.value = loader.load();
          synchronized (LOCK) {
            LOADS.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
          }
          LOG.info("loaded model {} version {} on {} in {} ms", key.uri(), key.version(),
              key.device(), (System.nanoTime() - t0) / 1_000_000);
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

  private static void installShutdownHook() {
    if (!hookInstalled) {
      hookInstalled = true;
      Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModelCache::closeAll,
          "dualign-model-cache-shutdown"));
    }
  }

  private static void closeQuietly(Entry e) {
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
