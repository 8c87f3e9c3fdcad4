package io.dualign.jobs;

import io.dualign.config.ModelSettings;
import io.dualign.model.Checkpoint;
import io.dualign.model.ModelFormat;
import io.dualign.model.hf.HfCheckpoint;
import io.dualign.model.hf.HfConfig;
import io.dualign.model.hf.HfFolder;
import io.dualign.model.hf.HfModelException;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A {@code ModelReport} is {@code doctor}'s line on one configured model ({@code model.policy},
 * {@code model.reward}, {@code model.cost}) read from its folder without loading its weights: the
 * format, the architecture, the parameter count, the weight type it loads in and the memory its
 * weights take; or the problem that stops it from loading.
 *
 * @param problem null when the model can be loaded
 */
record ModelReport(String key, String detail, String problem) {
  /** The report on the model {@code uri} given by {@code key}; "" is the model the run trains. */
  static ModelReport of(String key, String uri, ModelSettings ms, Configuration hadoop) {
    if (uri == null || uri.isBlank()) {
      return new ModelReport(key, "trained by the run (built-in transformer, model.dModel="
          + ms.dModel() + ", model.layers=" + ms.layers() + ")", null);
    }
    try {
      Path p = new Path(uri);
      FileSystem fs = p.getFileSystem(hadoop);
      ModelFormat f = ModelFormat.detect(fs, p);
      return switch (f) {
        case HUGGING_FACE -> huggingFace(key, HfFolder.open(fs, p), ms.dtype());
        case BUILT_IN -> {
          Map<String, Object> meta = Checkpoint.meta(fs, p);
          Object params = meta.get("parameters");
          long n = params instanceof Number num ? num.longValue() : 0;
          yield new ModelReport(key, uri + ": built-in " + ((Map<?, ?>) meta.get("architecture"))
              .get("head") + ", " + count(n) + " parameters, float32, " + bytes(4 * n)
              + " of weights", null);
        }
        case TORCHSCRIPT -> new ModelReport(key, uri + ": TorchScript bundle, "
            + bytes(size(fs, p)) + " on disk (parameters are known once loaded)", null);
      };
    } catch (HfModelException | IOException | IllegalArgumentException e) {
      return new ModelReport(key, uri, e.getMessage());
    }
  }

  private static ModelReport huggingFace(String key, HfFolder folder, String dtype) {
    HfConfig c = folder.config();
    String type;
    long bytesPerParam;
    try {
      var t = HfCheckpoint.weightType(dtype, c);
      type = t.name().toLowerCase(Locale.ROOT);
      bytesPerParam = t.getNumOfBytes();
    } catch (HfModelException e) {
      return new ModelReport(key, folder.dir().toString(), e.getMessage());
    }
    long n = c.parameterCount();
    return new ModelReport(key, folder.dir() + ": Hugging Face " + c.describe() + ", "
        + count(n) + " parameters, stored " + c.storedDtype() + ", loads as " + type
        + " (model.dtype=" + dtype + "), " + bytes(n * bytesPerParam) + " of weights", null);
  }

  private static long size(FileSystem fs, Path dir) throws IOException {
    long n = 0;
    for (FileStatus s : fs.listStatus(dir)) {
      n += s.getLen();
    }
    return n;
  }

  static String count(long n) {
    return n >= 1_000_000_000 ? String.format(Locale.ROOT, "%.2fB", n / 1e9)
        : n >= 1_000_000 ? String.format(Locale.ROOT, "%.1fM", n / 1e6)
        : String.format(Locale.ROOT, "%,d", n);
  }

  static String bytes(long n) {
    return n >= 1L << 30 ? String.format(Locale.ROOT, "%.2f GiB", n / (double) (1L << 30))
        : String.format(Locale.ROOT, "%.1f MiB", n / (double) (1L << 20));
  }
}
