package io.dualign.model.hf;

import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code Bf16Copy} copies a Hugging Face fixture folder with every float32 tensor stored as
 * bfloat16 (rounded to nearest even, as torch's {@code .to(torch.bfloat16)}) and
 * {@code torch_dtype} bfloat16: the layout of most published checkpoints.
 */
final class Bf16Copy {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Bf16Copy() {}

  static void write(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        if (name.endsWith(".safetensors")) {
          Files.write(to.resolve(name), convert(f));
        } else if (name.equals("config.json")) {
          ObjectNode cfg = (ObjectNode) MAPPER.readTree(f.toFile());
          cfg.put("torch_dtype", "bfloat16");
          cfg.remove("dtype");
          MAPPER.writeValue(to.resolve(name).toFile(), cfg);
        } else if (!name.equals("model.safetensors.index.json")) {
          Files.copy(f, to.resolve(name));
        }
      }
    }
    if (Files.exists(from.resolve("model.safetensors.index.json"))) {
      Files.copy(from.resolve("model.safetensors.index.json"),
          to.resolve("model.safetensors.index.json"));
    }
  }

  private static byte[] convert(Path file) throws IOException {
    Map<String, Safetensors.TensorInfo> infos = new LinkedHashMap<>();
    Map<String, byte[]> data = new LinkedHashMap<>();
    try (InputStream in = Files.newInputStream(file)) {
      Safetensors.read(in, file.toString(), Files.size(file), (t, buf) -> {
        byte[] b = new byte[buf.remaining()];
        buf.get(b);
        infos.put(t.name(), t);
        data.put(t.name(), t.dtype() == DataType.FLOAT32 ? toBf16(b) : b);
      });
    }
    ObjectNode header = MAPPER.createObjectNode();
    header.putObject("__metadata__").put("format", "pt");
    long at = 0;
    for (Map.Entry<String, Safetensors.TensorInfo> e : infos.entrySet()) {
      Safetensors.TensorInfo t = e.getValue();
      ObjectNode n = header.putObject(e.getKey());
      n.put("dtype", t.dtype() == DataType.FLOAT32 ? "BF16" : t.dtype().asSafetensors());
      var shape = n.putArray("shape");
      Arrays.stream(t.shape()).forEach(shape::add);
      long len = data.get(e.getKey()).length;
      n.putArray("data_offsets").add(at).add(at + len);
      at += len;
    }
    byte[] json = MAPPER.writeValueAsBytes(header);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
    out.write(json);
    for (byte[] b : data.values()) {
      out.write(b);
    }
    return out.toByteArray();
  }

  private static byte[] toBf16(byte[] f32) {
    ByteBuffer in = ByteBuffer.wrap(f32).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer out = ByteBuffer.allocate(f32.length / 2).order(ByteOrder.LITTLE_ENDIAN);
    while (in.remaining() >= 4) {
      int bits = in.getInt();
      int rounded = bits + 0x7FFF + ((bits >>> 16) & 1); // round to nearest even
      out.putShort((short) (rounded >>> 16));
    }
    return out.array();
  }
}
