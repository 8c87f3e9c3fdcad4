package io.dualign.jobs.bench;

import io.dualign.config.DataSettings;
import io.dualign.config.DualignConfig;
import io.dualign.data.DataTables;
import io.dualign.data.ParsedInput;
import io.dualign.data.SyntheticLinesFn;
import io.dualign.data.synthetic.SyntheticGenerator;
import io.dualign.jobs.Dualign;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code DataBench} is {@code bench data}: rows per second of dualign's parse + validate +
 * write (pairs and quarantine parquet) over a synthetic PKU-SafeRLHF jsonl input, side by side
 * with a plain {@code spark.read().schema(...).json()} + parquet write of the same files in the
 * same run: two alternating rounds, each side's best round compared.
 */
final class DataBench {
  private DataBench() {}

  static int run(DualignConfig config, long rows, PrintWriter out) throws IOException {
    Path work = Files.createTempDirectory("dualign-bench-data-");
    SparkSession spark = SparkSession.builder().appName("dualign bench data")
        .master(System.getProperty("spark.master", config.runtime().master()))
        .config("spark.ui.enabled", "false").getOrCreate();
    try {
      int cores = spark.sparkContext().defaultParallelism();
      int files = (int) Math.max(cores, Math.min(64, rows / 100_000));
      String input = work.resolve("input").toString();
      DataSettings s = config.data().withInput(input);
      long seed = config.run().seed();
      long t0 = System.nanoTime();
      spark.range(0, rows, 1, files).as(Encoders.LONG())
          .mapPartitions(new SyntheticLinesFn(new SyntheticGenerator(s, seed)), Encoders.STRING())
          .write().text(input);
      double genSeconds = seconds(t0);
      long bytes = size(work.resolve("input"));
      out.printf(Locale.ROOT, "input: %,d synthetic PKU-SafeRLHF rows in %d jsonl files, %.1f MB "
          + "(generated in %.1f s); Spark %s, %d cores%n", rows, files, bytes / 1e6, genSeconds,
          spark.version(), cores);

      // Two rounds, alternating, so JIT warm-up and load from other processes on a shared
      // machine hit both sides alike; each side's best round is compared.
      double ours = Double.MAX_VALUE;
      double plain = Double.MAX_VALUE;
      long pairs = 0;
      long bad = 0;
      long plainRows = 0;
      StructType schema = DataTables.PKU_16_COLUMNS.add("category", DataTypes.StringType, true);
      for (int round = 1; round <= 2; round++) {
        long t1 = System.nanoTime();
        double pairSeconds;
        try (ParsedInput p = ParsedInput.parse(spark, s, seed)) {
          String dir = work.resolve("dualign-" + round).toString();
          p.writePairs(dir);
          pairSeconds = seconds(t1);
          p.writeQuarantine(dir);
          pairs = p.pairs();
          bad = p.quarantined();
        }
        double oursRound = seconds(t1);
        String plainDir = work.resolve("plain-" + round).toString();
        long t2 = System.nanoTime();
        spark.read().schema(schema).json(input).write().parquet(plainDir);
        double plainRound = seconds(t2);
        plainRows = spark.read().parquet(plainDir).count();
        out.printf(Locale.ROOT, "round %d: dualign %.1f s (parse+validate+count+pairs write %.1f s,"
            + " quarantine write %.1f s), spark.read().json()+parquet %.1f s%n", round, oursRound,
            pairSeconds, oursRound - pairSeconds, plainRound);
        ours = Math.min(ours, oursRound);
        plain = Math.min(plain, plainRound);
      }

      double oursRate = rows / ours;
      double plainRate = plainRows / plain;
      out.printf(Locale.ROOT, "dualign parse+validate+write (best round): %,d pairs, %,d "
          + "quarantined in %.1f s = %,.0f rows/s%n", pairs, bad, ours, oursRate);
      out.printf(Locale.ROOT, "spark.read().json()+parquet (best round):  %,d rows in %.1f s = "
          + "%,.0f rows/s%n", plainRows, plain, plainRate);
      out.printf(Locale.ROOT, "ratio %.3f (goal >= 0.5)%n", oursRate / plainRate);
      out.printf(Locale.ROOT, "RESULT bench=data rows=%d files=%d mb=%.1f dualign_rows_per_s=%.0f "
          + "spark_json_rows_per_s=%.0f ratio=%.3f goal_ratio=0.5 quarantined=%d%n", rows, files,
          bytes / 1e6, oursRate, plainRate, oursRate / plainRate, bad);
      return Dualign.OK;
    } finally {
      spark.stop();
      try (Stream<Path> walk = Files.walk(work)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  private static long size(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }
}
