package io.dualign.model.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * {@code Safetensors} reads and writes the safetensors format: an 8-byte little-endian header
 * length, a JSON header (per tensor its dtype, shape and byte range; {@code __metadata__}), then
 * the raw little-endian tensor bytes. The header is parsed with Jackson; the data is streamed
 * tensor by tensor in file order, hashing every byte on the way, so a file is read once whatever
 * its size. (DJL's {@code NDList.decode} reads a whole file into one Java array, which caps it at
 * 2 GB; a 7B checkpoint's shards are 5 to 10 GB.)
 */
public final class Safetensors {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final long MAX_HEADER = 100L << 20;

  private Safetensors() {}

  /** One tensor's entry in the header: its data type, shape and byte range in the data block. */
  public record TensorInfo(String name, DataType dtype, long[] shape, long begin, long end) {
    public long elements() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }

    public String shapeText() {
      return Arrays.toString(shape);
    }
  }

  /** Receives each tensor of a file, in file order. */
  @FunctionalInterface
  public interface TensorSink {
    /**
     * @param data the tensor's bytes (little-endian, a direct buffer the sink may keep), or null
     *     when {@link #wants} said no
     */
    void accept(TensorInfo info, ByteBuffer data) throws IOException;

    /** Whether the tensor's bytes are needed (skipped ones are still read and hashed). */
    default boolean wants(TensorInfo info) {
      return true;
    }
  }

  /**
   * Reads the header from {@code in}: the tensors by name (in file order).
   *
   * @param file the file's name, for messages
   * @param length the file's length in bytes (checked against the header), or -1 when unknown
   */
  public static Map<String, TensorInfo> readHeader(InputStream in, String file, long length)
      throws IOException {
    byte[] len = readExactly(in, 8, file, "the header length");
    long n = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (n <= 1 || n > MAX_HEADER || (length >= 0 && 8 + n > length)) {
      throw new HfModelException(file + " is not a safetensors file (header length " + n
          + (length >= 0 ? ", file length " + length : "") + ")");
    }
    byte[] json = readExactly(in, (int) n, file, "the header");
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (IOException e) {
      throw new HfModelException(file + ": the safetensors header is not valid JSON: "
          + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new HfModelException(file + ": the safetensors header is not a JSON object");
    }
    List<TensorInfo> infos = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> it = root.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("__metadata__")) {
        continue;
      }
      infos.add(tensorInfo(e.getKey(), e.getValue(), file));
    }
    infos.sort(Comparator.comparingLong(TensorInfo::begin));
    long at = 0;
    Map<String, TensorInfo> out = new LinkedHashMap<>();
    for (TensorInfo t : infos) {
      if (t.begin() != at) {
        throw new HfModelException(file + ": tensor " + t.name() + " starts at byte " + t.begin()
            + " of the data, expected " + at + " (overlapping or gapped offsets)");
      }
      at = t.end();
      out.put(t.name(), t);
    }
    if (length >= 0 && 8 + n + at != length) {
      throw new HfModelException(file + " is " + (8 + n + at > length ? "truncated" : "longer "
          + "than its header says") + ": the header describes " + (8 + n + at) + " bytes, the "
          + "file has " + length);
    }
    return out;
  }

  private static TensorInfo tensorInfo(String name, JsonNode v, String file) {
    JsonNode dt = v.get("dtype");
    JsonNode shape = v.get("shape");
    JsonNode off = v.get("data_offsets");
    if (dt == null || shape == null || !shape.isArray() || off == null || !off.isArray()
        || off.size() != 2) {
      throw new HfModelException(file + ": header entry of tensor " + name + " lacks dtype, "
          + "shape or data_offsets: " + v);
    }
    DataType dtype;
    try {
      dtype = DataType.fromSafetensors(dt.asText());
    } catch (IllegalArgumentException e) {
      throw new HfModelException(file + ": tensor " + name + " has unsupported dtype "
          + dt.asText());
    }
    long[] dims = new long[shape.size()];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = shape.get(i).asLong();
    }
    TensorInfo t = new TensorInfo(name, dtype, dims, off.get(0).asLong(), off.get(1).asLong());
    if (t.end() - t.begin() != t.elements() * dtype.getNumOfBytes()) {
      throw new HfModelException(file + ": tensor " + name + " of shape " + t.shapeText() + " "
          + dt.asText() + " needs " + t.elements() * dtype.getNumOfBytes() + " bytes but its "
          + "data_offsets span " + (t.end() - t.begin()));
    }
    return t;
  }

  /**
   * Streams the safetensors file in {@code in} to {@code sink}, tensor by tensor, and returns the
   * sha256 of the whole file.
   *
   * @throws HfModelException naming the file and the tensor when the file ends early
   */
  public static String read(InputStream in, String file, long length, TensorSink sink)
      throws IOException {
    MessageDigest md = sha256();
    DigestInputStream din = new DigestInputStream(in, md);
    Map<String, TensorInfo> header = readHeader(din, file, length);
    byte[] chunk = new byte[1 << 20];
    for (TensorInfo t : header.values()) {
      long size = t.end() - t.begin();
      boolean wanted = sink.wants(t);
      ByteBuffer buf = wanted ? ByteBuffer.allocateDirect(Math.toIntExact(size))
          .order(ByteOrder.LITTLE_ENDIAN) : null;
      long left = size;
      while (left > 0) {
        int n = din.read(chunk, 0, (int) Math.min(chunk.length, left));
        if (n < 0) {
          throw new HfModelException(file + " is truncated: tensor " + t.name() + " ("
              + t.shapeText() + ") ends " + left + " bytes after the end of the file");
        }
        if (wanted) {
          buf.put(chunk, 0, n);
        }
        left -= n;
      }
      if (wanted) {
        buf.flip();
      }
      sink.accept(t, buf);
    }
    if (din.read() >= 0) {
      throw new HfModelException(file + " has bytes after its last tensor");
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /**
   * Writes {@code tensors} (by name, in the order given) as a safetensors file with
   * {@code metadata} (transformers needs {@code "format": "pt"}); returns its sha256.
   */
  public static String write(OutputStream out, SortedMap<String, NDArray> tensors,
      Map<String, String> metadata) throws IOException {
    ObjectNode header = MAPPER.createObjectNode();
    ObjectNode meta = header.putObject("__metadata__");
    metadata.forEach(meta::put);
    long at = 0;
    for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
      NDArray a = e.getValue();
      long bytes = a.size() * a.getDataType().getNumOfBytes();
      ObjectNode t = header.putObject(e.getKey());
      t.put("dtype", a.getDataType().asSafetensors());
      var shape = t.putArray("shape");
      for (long d : a.getShape().getShape()) {
        shape.add(d);
      }
      t.putArray("data_offsets").add(at).add(at + bytes);
      at += bytes;
    }
    byte[] json = MAPPER.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8; // 8-byte alignment of the data, as safetensors pads
    byte[] head = Arrays.copyOf(json, padded);
    Arrays.fill(head, json.length, padded, (byte) ' ');
    MessageDigest md = sha256();
    byte[] len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array();
    out.write(len);
    md.update(len);
    out.write(head);
    md.update(head);
    for (NDArray a : tensors.values()) {
      byte[] b = littleEndianBytes(a);
      out.write(b);
      md.update(b);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static byte[] littleEndianBytes(NDArray a) {
    ByteBuffer bb = a.toByteBuffer();
    if (bb.order() != ByteOrder.LITTLE_ENDIAN && a.getDataType().getNumOfBytes() > 1) {
      throw new IllegalStateException("the engine's tensor bytes are not little-endian");
    }
    byte[] b = new byte[bb.remaining()];
    bb.get(b);
    return b;
  }

  private static byte[] readExactly(InputStream in, int n, String file, String what)
      throws IOException {
    byte[] b = new byte[n];
    int at = 0;
    while (at < n) {
      int r = in.read(b, at, n - at);
      if (r < 0) {
        throw new HfModelException(file + " is truncated: it ends inside " + what,
            new EOFException());
      }
      at += r;
    }
    return b;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * bfloat16 values (little-endian) as float32 ones, exactly: a bfloat16 is the upper 16 bits of
   * the float32 with the same value.
   */
  public static ByteBuffer bf16ToFloat32(ByteBuffer bf16) {
    ByteBuffer in = bf16.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer out = ByteBuffer.allocateDirect(in.remaining() * 2).order(ByteOrder.LITTLE_ENDIAN);
    while (in.remaining() >= 2) {
      out.putInt((in.getShort() & 0xFFFF) << 16);
    }
    return out.flip();
  }
}
