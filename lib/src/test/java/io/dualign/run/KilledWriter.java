package io.dualign.run;

import java.io.OutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/** A test process that starts an output, writes part of it, and waits to be killed. */
final class KilledWriter {
  static final String WRITING = "WRITING";

  private KilledWriter() {}

  public static void main(String[] args) throws Exception {
    RunDirectory run = RunDirectory.open(args[0], new Configuration());
    PendingOutput out = run.begin(args[1]);
    try (OutputStream o = run.fs().create(new Path(out.path(), "part-0.txt"))) {
      o.write("half a table".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    System.out.println(WRITING);
    System.out.flush();
    Thread.sleep(600_000);
  }
}
