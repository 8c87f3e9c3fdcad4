package io.dualign.data;

import io.dualign.config.DataSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;

/**
 * {@code JsonLinesReadFn} reads one JSON-lines file (plain, or compressed with any Hadoop codec
 * named by its extension, e.g. {@code .gz}) in an executor and yields one parsed row per non-blank
 * line with its 1-based line number, then a file summary row (lines, sha256 of the file's bytes).
 * Lines longer than {@code data.maxLineBytes} are read only up to the limit and quarantined; a
 * file that breaks off (e.g. a truncated gzip stream) keeps the rows read so far and quarantines the
 * rest as one {@code unreadable} row.
 */
public final class JsonLinesReadFn implements FlatMapFunction<String, Row> {
  private static final long serialVersionUID = 1L;

  private final DataSettings settings;
  private final long seed;
  private final io.dualign.text.ConversationPrompt conversations;
  private final HadoopConf hadoop;

  public JsonLinesReadFn(DataSettings settings, long seed, HadoopConf hadoop,
      io.dualign.text.ConversationPrompt conversations) {
    this.settings = settings;
    this.seed = seed;
    this.conversations = conversations;
    this.hadoop = hadoop;
  }

  @Override
  public Iterator<Row> call(String file) throws IOException {
    Path p = new Path(file);
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    InputStream raw = new DigestInputStream(p.getFileSystem(hadoop.get()).open(p), sha);
    CompressionCodec codec = new CompressionCodecFactory(hadoop.get()).getCodec(p);
    InputStream in = codec == null ? raw : codec.createInputStream(raw);
    return new LineIterator(file, in, sha, new RowParser(settings, seed, file, conversations),
        settings.maxLineBytes());
  }

  /** Yields parsed rows line by line, then the file's summary row; closes the stream at the end. */
  private static final class LineIterator implements Iterator<Row> {
    private final String file;
    private final InputStream in;
    private final MessageDigest sha;
    private final RowParser parser;
    private final int keep;
    private byte[] buf = new byte[4096];
    private final byte[] chunk = new byte[1 << 16];
    private int pos;
    private int limit;
    private long lineNo;
    private Row next;
    private boolean eof;
    private boolean summarised;

    LineIterator(String file, InputStream in, MessageDigest sha, RowParser parser, int maxBytes) {
      this.file = file;
      this.in = in;
      this.sha = sha;
      this.parser = parser;
      this.keep = maxBytes + 1;
    }

    @Override
    public boolean hasNext() {
      if (next != null) {
        return true;
      }
      try {
        while (!eof) {
          Row r;
          try {
            r = readOne();
          } catch (IOException e) {
            // a damaged file (e.g. a truncated gzip stream): quarantine the rest, keep what was read
            eof = true;
            r = RowParser.badRow(file, lineNo + 1, RejectReason.UNREADABLE.code()
                + ": cannot read the file after line " + lineNo + " (" + e + ")", "");
          }
          if (r != null) {
            next = r;
            return true;
          }
        }
        if (!summarised) {
          summarised = true;
          in.close();
          next = RowParser.fileRow(file, lineNo, HexFormat.of().formatHex(sha.digest()));
          return true;
        }
        return false;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file + " after line " + lineNo, e);
      }
    }

    /** Reads one line; returns its parsed row, or null for a blank line or the end. */
    private Row readOne() throws IOException {
      int len = 0;
      long full = 0;
      boolean newline = false;
      while (!newline) {
        if (pos == limit) {
          limit = in.read(chunk, 0, chunk.length);
          pos = 0;
          if (limit <= 0) {
            limit = 0;
            eof = true;
            break;
          }
        }
        int i = pos;
        while (i < limit && chunk[i] != '\n') {
          i++;
        }
        int n = i - pos;
        int room = Math.max(0, keep - len);
        int copy = Math.min(n, room);
        if (copy > 0) {
          if (len + copy > buf.length) {
            buf = java.util.Arrays.copyOf(buf, Math.min(keep, Math.max(len + copy, buf.length * 2)));
          }
          System.arraycopy(chunk, pos, buf, len, copy);
          len += copy;
        }
        full += n;
        if (i < limit) {
          newline = true;
          pos = i + 1;
        } else {
          pos = limit;
        }
      }
      if (!newline && full == 0) {
        return null;
      }
      lineNo++;
      if (full == 0 || isBlank(len)) {
        return null;
      }
      return parser.parseLine(buf, len, full, lineNo);
    }

    private boolean isBlank(int len) {
      for (int i = 0; i < len; i++) {
        byte c = buf[i];
        if (c != ' ' && c != '\t' && c != '\r') {
          return false;
        }
      }
      return true;
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Row r = next;
      next = null;
      return r;
    }
  }
}
