package io.dualign.model.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A {@code PeftAdapter} folder is a LoRA adapter as PEFT's {@code save_pretrained} writes it, so
 * that {@code peft.PeftModel.from_pretrained(base, dir)} loads it: {@code adapter_config.json}
 * ({@code peft_type} LORA, {@code r}, {@code lora_alpha}, {@code lora_dropout},
 * {@code target_modules}, {@code base_model_name_or_path}, ...) and
 * {@code adapter_model.safetensors}, whose tensors are named
 * {@code base_model.model.<module>.lora_A.weight} and {@code ...lora_B.weight}, float32; a score
 * model's head, trained with the adapter, is its {@code modules_to_save} ({@code score}) and is
 * stored as {@code base_model.model.score.weight}.
 */
public final class PeftAdapter {
  public static final String CONFIG = "adapter_config.json";
  public static final String WEIGHTS = "adapter_model.safetensors";
  /** The prefix PEFT gives the wrapped model's module names in its saved files. */
  static final String PREFIX = "base_model.model.";
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT);

  private PeftAdapter() {}

  /** Whether {@code dir} holds an adapter. */
  public static boolean isAdapter(FileSystem fs, Path dir) throws IOException {
    return fs.exists(new Path(dir, CONFIG));
  }

  /**
   * Writes the adapter attached to {@code net} into {@code dir}; {@code baseModel} is recorded as
   * {@code base_model_name_or_path}. Returns the sha256 of the weights file.
   *
   * @throws IllegalStateException when {@code net} carries no adapter
   */
  public static String write(HfDecoder net, FileSystem target, Path dir, String baseModel)
      throws IOException {
    LoraSpec spec = net.lora();
    if (spec == null) {
      throw new IllegalStateException("the decoder carries no LoRA adapter to write");
    }
    FileSystem fs = target instanceof org.apache.hadoop.fs.ChecksumFileSystem c
        ? c.getRawFileSystem() : target;
    fs.mkdirs(dir);
    ObjectNode cfg = MAPPER.createObjectNode();
    cfg.put("peft_type", "LORA");
    cfg.put("task_type", net.config().architecture().isCausalLm() ? "CAUSAL_LM" : "SEQ_CLS");
    cfg.put("base_model_name_or_path", baseModel);
    cfg.put("r", spec.r());
    if (spec.alpha() == Math.rint(spec.alpha())) {
      cfg.put("lora_alpha", (long) spec.alpha()); // PEFT writes an int
    } else {
      cfg.put("lora_alpha", spec.alpha());
    }
    cfg.put("lora_dropout", spec.dropout());
    cfg.putArray("target_modules").addAll(spec.targetModules().stream()
        .map(cfg::textNode).toList());
    cfg.put("bias", "none");
    cfg.put("fan_in_fan_out", false);
    cfg.put("inference_mode", true);
    cfg.put("init_lora_weights", true);
    cfg.put("use_rslora", false);
    cfg.put("use_dora", false);
    boolean causal = net.config().architecture().isCausalLm();
    if (causal) {
      cfg.putNull("modules_to_save");
    } else {
      cfg.putArray("modules_to_save").add("score"); // the head trains with the adapter
    }
    try (OutputStream out = fs.create(new Path(dir, CONFIG), true)) {
      out.write(MAPPER.writeValueAsBytes(cfg));
    }
    TreeMap<String, NDArray> tensors = new TreeMap<>();
    for (Map.Entry<String, Parameter> e : net.loraParametersByName().entrySet()) {
      tensors.put(PREFIX + e.getKey(), e.getValue().getArray());
    }
    if (!causal) {
      net.parametersByName().forEach((name, p) -> {
        if (name.startsWith("score")) {
          tensors.put(PREFIX + name, p.getArray());
        }
      });
    }
    try (OutputStream out = fs.create(new Path(dir, WEIGHTS), true)) {
      return Safetensors.write(out, tensors, Map.of("format", "pt"));
    }
  }

  /** An adapter folder's configuration: its shape and the base model it was trained on. */
  public record Header(LoraSpec spec, String baseModel) {}

  /**
   * Reads {@code dir}'s configuration.
   *
   * @throws HfModelException naming the file and key when it is not a LoRA adapter dualign runs
   */
  public static Header header(FileSystem fs, Path dir) throws IOException {
    Path file = new Path(dir, CONFIG);
    JsonNode c;
    try (InputStream in = fs.open(file)) {
      c = MAPPER.readTree(in);
    }
    String where = file.toString();
    if (c == null || !"LORA".equals(c.path("peft_type").asText())) {
      throw new HfModelException(where + ": peft_type is " + (c == null ? "missing"
          : c.path("peft_type")) + "; dualign runs LORA adapters");
    }
    for (String flag : List.of("use_dora", "use_rslora", "fan_in_fan_out")) {
      if (c.path(flag).asBoolean(false)) {
        throw new HfModelException(where + ": " + flag + " = true is not supported");
      }
    }
    if (!c.path("bias").asText("none").equals("none")) {
      throw new HfModelException(where + ": bias = " + c.path("bias") + " is not supported "
          + "(only none)");
    }
    List<String> targets = new ArrayList<>();
    JsonNode t = c.path("target_modules");
    if (t.isArray()) {
      t.forEach(n -> targets.add(n.asText()));
    } else if (t.isTextual()) {
      throw new HfModelException(where + ": target_modules as a regular expression (" + t
          + ") is not supported; list the modules");
    }
    try {
      return new Header(new LoraSpec(c.path("r").asInt(0), c.path("lora_alpha").asDouble(0),
          c.path("lora_dropout").asDouble(0), targets),
          c.path("base_model_name_or_path").asText(null));
    } catch (IllegalArgumentException e) {
      throw new HfModelException(where + ": " + e.getMessage(), e);
    }
  }

  /**
   * Attaches {@code dir}'s adapter to {@code net} (which must carry none) with its trained
   * weights, arrays of {@code manager}.
   *
   * @throws HfModelException naming the file and tensor when a tensor is missing, extra or of
   *     another shape than {@code net}'s projections give
   */
  public static Header attach(FileSystem fs, Path dir, HfDecoder net, NDManager manager)
      throws IOException {
    Header h = header(fs, dir);
    net.attachLora(h.spec(), manager, 0);
    Map<String, Parameter> want = net.loraParametersByName();
    Path file = new Path(dir, WEIGHTS);
    String where = file.toString();
    java.util.Set<String> seen = new java.util.HashSet<>();
    try (InputStream in = fs.open(file)) {
      Safetensors.read(in, where, fs.getFileStatus(file).getLen(), (info, data) -> {
        String name = info.name().startsWith(PREFIX)
            ? info.name().substring(PREFIX.length()) : info.name();
        name = name.replace(".lora_A.default.", ".lora_A.").replace(".lora_B.default.",
            ".lora_B.");
        if (!want.containsKey(name) && name.startsWith("score")
            && net.parametersByName().containsKey(name)) { // modules_to_save: the trained head
          NDArray head = manager.create(data, new Shape(info.shape()), info.dtype());
          Parameter p = net.parametersByName().get(name);
          if (!p.getArray().getShape().equals(head.getShape())) {
            throw new HfModelException(where + ": tensor " + info.name() + " is "
                + head.getShape() + ", the model's " + name + " is " + p.getArray().getShape());
          }
          p.getArray().set(head.toType(DataType.FLOAT32, false).toFloatArray());
          head.close();
          return;
        }
        if (!want.containsKey(name)) {
          throw new HfModelException(where + ": tensor " + info.name() + " matches no adapted "
              + "projection of the base model (target_modules " + h.spec().targetModules() + ")");
        }
        NDArray a = info.dtype() == DataType.BFLOAT16 // DJL 0.36 cannot hold bfloat16
            ? manager.create(Safetensors.bf16ToFloat32(data), new Shape(info.shape()),
                DataType.FLOAT32)
            : manager.create(data, new Shape(info.shape()), info.dtype());
        try {
          net.setLora(name, a.toType(DataType.FLOAT32, false));
        } catch (IllegalArgumentException e) {
          throw new HfModelException(where + ": " + e.getMessage(), e);
        }
        seen.add(name);
      });
    }
    List<String> missing = want.keySet().stream().filter(n -> !seen.contains(n)).toList();
    if (!missing.isEmpty()) {
      throw new HfModelException(where + ": " + missing.size() + " adapter tensors are missing, "
          + "e.g. " + missing.subList(0, Math.min(3, missing.size())));
    }
    return h;
  }
}
