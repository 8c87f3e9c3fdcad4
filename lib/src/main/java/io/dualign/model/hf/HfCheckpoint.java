package io.dualign.model.hf;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dualign.model.CausalLm;
import io.dualign.model.LoadedModel;
import io.dualign.model.ModelFormat;
import io.dualign.model.ScoreModel;
import io.dualign.text.JinjaChatTemplate;
import io.dualign.text.TextTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code HfCheckpoint} loads a Hugging Face folder ({@link HfFolder}) as a {@link LoadedModel}
 * and saves a model back as one that {@code transformers.AutoModelForCausalLM.from_pretrained}
 * (or vLLM) reads. Loading streams each safetensors file once, checks every tensor's shape
 * against {@code config.json} and that none is missing, converts the weights to the requested
 * type, and hashes every file on the way into the model version.
 */
public final class HfCheckpoint {
  private static final Logger LOG = LoggerFactory.getLogger(HfCheckpoint.class);
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT);

  /** Why {@code model.dtype = bfloat16} is refused. */
  public static final String BFLOAT16_REFUSED = "model.dtype = bfloat16 is not available: DJL "
      + "0.36's PyTorch engine aborts the JVM on any bfloat16 tensor; use float16 (the same "
      + "memory) or float32 (bfloat16 checkpoints load into float32 exactly with auto)";

  private HfCheckpoint() {}

  /** A loaded Hugging Face model with its tokenizer, chat template and version. */
  public record Loaded(HfTransformer model, TextTokenizer tokenizer, HfFolder folder,
      HfTokenizerConfig tokenizerConfig, String version, Map<String, String> sha256,
      Map<String, byte[]> smallFiles) implements LoadedModel {
    @Override
    public ModelFormat format() {
      return ModelFormat.HUGGING_FACE;
    }

    @Override
    public CausalLm causalLm() {
      if (!folder.config().architecture().isCausalLm()) {
        throw new IllegalStateException(folder.dir() + " is a "
            + folder.config().architecture().hfName() + " score model, not a causal language "
            + "model");
      }
      return model;
    }

    @Override
    public ScoreModel scoreModel() {
      if (folder.config().architecture().isCausalLm()) {
        throw new IllegalStateException(folder.dir() + " is a "
            + folder.config().architecture().hfName() + ", not a score model");
      }
      return model;
    }

    @Override
    public Optional<JinjaChatTemplate> chatTemplate() {
      return HfCheckpoint.chatTemplate(tokenizerConfig);
    }

    @Override
    public long weightBytes() {
      return model.weightBytes();
    }

    /**
     * This model, its projections fused for inference ({@link
     * HfDecoder#fuseProjectionsForInference}): scoring and generation run fewer, larger matrix
     * products, and the model can no longer be trained.
     */
    public Loaded forInference() {
      model.decoder().fuseProjectionsForInference();
      return this;
    }

    @Override
    public void close() {
      model.close();
      tokenizer.close();
    }
  }

  /**
   * The weight type of {@code dtype} ({@code model.dtype}): {@code auto} is the type
   * {@code config.json} records ({@code torch_dtype}), except that bfloat16 weights are held in
   * float32 (exactly): DJL 0.36's PyTorch engine cannot hold a bfloat16 tensor (it aborts the
   * JVM), so {@code model.dtype = bfloat16} is refused and {@code float16} is the narrow type.
   */
  public static DataType weightType(String dtype, HfConfig config) {
    if (dtype.equals("bfloat16")) {
      throw new HfModelException(BFLOAT16_REFUSED);
    }
    String d = dtype.equals("auto") ? config.storedDtype() : dtype;
    return switch (d.toLowerCase(Locale.ROOT)) {
      case "float32", "fp32", "bfloat16", "bf16" -> DataType.FLOAT32;
      case "float16", "fp16" -> DataType.FLOAT16;
      default -> throw new HfModelException("model dtype '" + d + "' is not one of float32, "
          + "bfloat16, float16" + (dtype.equals("auto") ? " (config.json torch_dtype)" : ""));
    };
  }

  /**
   * The computation's type: on a GPU the weights' type; on a CPU float32 (bf16/fp16 weights are
   * cast where they are used).
   */
  public static DataType computeType(DataType weightType, Device device) {
    return device.isGpu() ? weightType : DataType.FLOAT32;
  }

  /** The chat template of a tokenizer configuration, with its special tokens. */
  static Optional<JinjaChatTemplate> chatTemplate(HfTokenizerConfig tc) {
    if (tc.chatTemplate() == null) {
      return Optional.empty();
    }
    Map<String, String> special = new HashMap<>();
    special.put("bos_token", tc.bosToken());
    special.put("eos_token", tc.eosToken());
    special.put("pad_token", tc.padToken());
    return Optional.of(new JinjaChatTemplate(tc.chatTemplate(), special));
  }

  /**
   * The chat template of the folder {@code dir} (its {@code tokenizer_config.json}), read
   * without loading the weights; empty when it has none.
   *
   * @throws HfModelException when the folder is not a Hugging Face model or its tokenizer
   *     configuration is invalid
   */
  public static Optional<JinjaChatTemplate> chatTemplateOf(FileSystem fs, Path dir)
      throws IOException {
    HfFolder folder = HfFolder.open(fs, dir);
    return chatTemplate(HfTokenizerConfig.parse(folder.readOptional(HfFolder.TOKENIZER_CONFIG),
        dir + "/" + HfFolder.TOKENIZER_CONFIG, folder.readOptional(HfFolder.GENERATION_CONFIG),
        dir + "/" + HfFolder.GENERATION_CONFIG));
  }

  /**
   * Loads the folder {@code dir} on {@code device} with weights of type {@code dtype}
   * ({@code auto}, {@code float32}, {@code bfloat16}, {@code float16}).
   *
   * @throws HfModelException naming the file and tensor or key that is wrong
   */
  public static Loaded load(FileSystem fs, Path dir, Device device, String dtype)
      throws IOException {
    HfFolder folder = HfFolder.open(fs, dir);
    return assemble(folder, folder.config(), null, device, dtype, 0);
  }

  /**
   * A new score model on the backbone of the causal LM folder {@code lmDir}: its architecture's
   * {@code *ForSequenceClassification} with one label (transformers' class, which
   * {@code AutoModelForSequenceClassification} loads), every backbone tensor from the folder, and
   * a {@code score} head drawn as transformers initialises a linear layer (normal, standard
   * deviation {@code initializer_range}, seeded by {@code seed}). The language-model head is not
   * used. The folder's version is the source's; {@link #save} writes the new configuration.
   *
   * @throws HfModelException when the folder is not a causal LM of a family with a
   *     sequence-classification class dualign runs (Llama, Qwen2)
   */
  public static Loaded scoreModelFrom(FileSystem fs, Path lmDir, Device device, String dtype,
      long seed) throws IOException {
    HfFolder folder = HfFolder.open(fs, lmDir);
    HfConfig lm = folder.config();
    HfArchitecture arch = switch (lm.architecture()) {
      case LLAMA_FOR_CAUSAL_LM -> HfArchitecture.LLAMA_FOR_SEQUENCE_CLASSIFICATION;
      case QWEN2_FOR_CAUSAL_LM -> HfArchitecture.QWEN2_FOR_SEQUENCE_CLASSIFICATION;
      default -> throw new HfModelException(lmDir + " is a " + lm.architecture().hfName()
          + "; a score model can be built on a LlamaForCausalLM or Qwen2ForCausalLM backbone");
    };
    ObjectNode cfg = (ObjectNode) MAPPER.readTree(folder.readOptional(HfFolder.CONFIG));
    cfg.putArray("architectures").add(arch.hfName());
    cfg.putObject("id2label").put("0", "LABEL_0");
    cfg.putObject("label2id").put("LABEL_0", 0);
    if (lm.padTokenId() == null) {
      if (lm.eosTokenIds().isEmpty()) {
        throw new HfModelException(lmDir + "/" + HfFolder.CONFIG + " has neither pad_token_id "
            + "nor eos_token_id; a score model reads the last token before the padding");
      }
      cfg.put("pad_token_id", lm.eosTokenIds().get(0));
    }
    byte[] bytes = MAPPER.writeValueAsBytes(cfg);
    HfConfig scoreCfg = HfConfig.parse(bytes, lmDir + "/" + HfFolder.CONFIG + " as "
        + arch.hfName());
    return assemble(folder, scoreCfg, bytes, device, dtype, seed);
  }

  /**
   * Loads {@code folder}'s weights into a decoder of {@code cfg}. With {@code configBytes} (a
   * score model built on a causal LM) the score head is drawn from {@code seed} rather than read,
   * and the configuration saved with the model is {@code configBytes}.
   */
  private static Loaded assemble(HfFolder folder, HfConfig cfg, byte[] configBytes,
      Device device, String dtype, long seed) throws IOException {
    Path dir = folder.dir();
    DataType weightType = weightType(dtype, cfg);
    HfDecoder net = new HfDecoder(cfg, computeType(weightType, device));
    NDManager manager = NDManager.newBaseManager(device);
    try {
      Map<String, String> sums = new LinkedHashMap<>();
      java.util.Set<String> drawn = configBytes == null ? java.util.Set.of()
          : java.util.Set.of("score.weight");
      double[] normalizer = readWeights(folder, net, manager, weightType, sums, drawn);
      if (!drawn.isEmpty()) {
        double std = MAPPER.readTree(configBytes).path("initializer_range").asDouble(0.02);
        java.util.Random rng = new java.util.Random(seed);
        float[] w = new float[cfg.hiddenSize()];
        for (int i = 0; i < w.length; i++) {
          w[i] = (float) (rng.nextGaussian() * std);
        }
        net.set("score.weight", manager.create(w, new Shape(1, cfg.hiddenSize()))
            .toType(weightType, false));
      }
      Map<String, byte[]> small = new LinkedHashMap<>();
      for (String f : folder.files()) {
        if (!folder.weightFiles().contains(f)) {
          small.put(f, folder.readOptional(f));
        }
      }
      if (configBytes != null) {
        small.put(HfFolder.CONFIG, configBytes);
        small.remove(HfFolder.GENERATION_CONFIG);
      }
      Map<String, String> all = folder.sha256(); // weights already remembered while read
      String version = HfFolder.version(all);
      HfTokenizerConfig tc = HfTokenizerConfig.parse(small.get(HfFolder.TOKENIZER_CONFIG),
          dir + "/" + HfFolder.TOKENIZER_CONFIG, small.get(HfFolder.GENERATION_CONFIG),
          dir + "/" + HfFolder.GENERATION_CONFIG);
      TextTokenizer tok = tokenizer(small.get(HfFolder.TOKENIZER), tc, cfg, dir);
      HfTransformer model = new HfTransformer(net, manager, normalizer[0], normalizer[1]);
      return new Loaded(model, tok, folder, tc, version, all, small);
    } catch (IOException | RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** Streams every weight file into {@code net}; returns the normaliser's mean and variance. */
  private static double[] readWeights(HfFolder folder, HfDecoder net, NDManager manager,
      DataType weightType, Map<String, String> sums, java.util.Set<String> drawn)
      throws IOException {
    Map<String, Shape> expected = net.parameterShapes();
    Map<String, String> seenIn = new HashMap<>();
    List<String> ignored = new ArrayList<>();
    double[] normalizer = {0, 1};
    HfConfig cfg = net.config();
    for (String file : folder.weightFiles()) {
      String where = folder.dir() + "/" + file;
      Safetensors.TensorSink sink = new Safetensors.TensorSink() {
        @Override
        public boolean wants(Safetensors.TensorInfo t) {
          return expected.containsKey(t.name()) || t.name().equals("normalizer.mean")
              || t.name().equals("normalizer.var");
        }

        @Override
        public void accept(Safetensors.TensorInfo t, ByteBuffer data) {
          if (data == null) {
            ignored.add(t.name());
            return;
          }
          if (t.name().startsWith("normalizer.")) {
            try (NDArray a = t.dtype() == DataType.BFLOAT16
                ? manager.create(Safetensors.bf16ToFloat32(data), new Shape(t.shape()),
                    DataType.FLOAT32)
                : manager.create(data, new Shape(t.shape()), t.dtype())) {
              normalizer[t.name().endsWith("mean") ? 0 : 1] = a.toType(DataType.FLOAT64, false)
                  .getDouble(a.getShape().dimension() == 0 ? new long[0] : new long[] {0});
            }
            return;
          }
          Shape want = expected.get(t.name());
          if (!want.equals(new Shape(t.shape()))) {
            throw new HfModelException(where + ": tensor " + t.name() + " has shape "
                + t.shapeText() + " but config.json (" + cfg.describe() + ") needs "
                + java.util.Arrays.toString(want.getShape()));
          }
          String before = seenIn.put(t.name(), file);
          if (before != null) {
            throw new HfModelException(folder.dir() + ": tensor " + t.name() + " is in both "
                + before + " and " + file);
          }
          // DJL 0.36's PyTorch engine aborts the JVM on any bfloat16 tensor: bf16 weights are
          // widened here (exactly: a bf16 value is the top half of its float32).
          NDArray a = t.dtype() == DataType.BFLOAT16
              ? manager.create(Safetensors.bf16ToFloat32(data), want, DataType.FLOAT32)
              : manager.create(data, want, t.dtype());
          if (a.getDataType() != weightType) {
            NDArray converted = a.toType(weightType, false);
            a.close();
            a = converted;
          }
          net.set(t.name(), a);
        }
      };
      try (InputStream in = folder.fileSystem().open(new Path(folder.dir(), file))) {
        String sha = Safetensors.read(in, where, folder.length(file), sink);
        sums.put(file, sha);
        folder.remember(file, sha);
      }
    }
    List<String> missing = new ArrayList<>();
    for (String name : expected.keySet()) {
      if (!seenIn.containsKey(name) && !drawn.contains(name)) {
        missing.add(name);
      }
    }
    if (!missing.isEmpty()) {
      throw new HfModelException(folder.dir() + ": " + missing.size() + " tensors that "
          + "config.json (" + cfg.describe() + ") needs are missing from the weights, e.g. "
          + missing.subList(0, Math.min(5, missing.size())));
    }
    if (cfg.normalizer().needsStatistics() && normalizer[1] == 1 && normalizer[0] == 0
        && !ignored.isEmpty()) {
      LOG.warn("{}: do_normalize is set but no normalizer.mean/var was found", folder.dir());
    }
    List<String> unexpected = ignored.stream().filter(n -> !n.endsWith("rotary_emb.inv_freq")
        && !n.equals("normalizer.count") && !(n.equals("lm_head.weight")
        && (cfg.tieWordEmbeddings() || !drawn.isEmpty()))).toList();
    if (!unexpected.isEmpty()) {
      LOG.warn("{}: {} tensors the architecture does not use were ignored, e.g. {}",
          folder.dir(), unexpected.size(), unexpected.subList(0, Math.min(5, unexpected.size())));
    }
    return normalizer;
  }

  private static TextTokenizer tokenizer(byte[] json, HfTokenizerConfig tc, HfConfig cfg,
      Path dir) throws IOException {
    java.nio.file.Path local = Files.createTempFile("dualign-hf-tokenizer-", ".json");
    local.toFile().deleteOnExit();
    Files.write(local, json);
    long[] extra = tc.generationEosIds().isEmpty()
        ? cfg.eosTokenIds().stream().mapToLong(Long::longValue).toArray()
        : tc.generationEosIds().stream().mapToLong(Long::longValue).toArray();
    TextTokenizer tok;
    try {
      // With its own chat template the rendered text carries every special token (as
      // apply_chat_template encodes it); with a plain template the tokenizer adds its own (BOS).
      tok = TextTokenizer.load(local, tc.eosToken(), tc.padOrEos(), tc.chatTemplate() == null,
          extra);
    } catch (IllegalArgumentException e) {
      throw new HfModelException(dir + "/" + HfFolder.TOKENIZER + ": " + e.getMessage(), e);
    }
    if (tok.vocabSize() > cfg.vocabSize()) {
      tok.close();
      throw new HfModelException(dir + ": " + HfFolder.TOKENIZER + " has " + tok.vocabSize()
          + " ids but config.json vocab_size is " + cfg.vocabSize());
    }
    return tok;
  }

  /**
   * Writes {@code model} as a Hugging Face folder into {@code dir} on {@code fs}: its
   * {@code config.json} (the source's, with {@code torch_dtype} and {@code dtype} set to the
   * weights' type), one
   * {@code model.safetensors} (a tied head is not written twice; with a LoRA adapter attached,
   * the weights with the adapter merged in), and the source's tokenizer and generation files.
   * Returns the new folder's version.
   */
  public static String save(Loaded model, FileSystem target, Path dir) throws IOException {
    // No Hadoop .crc side files in a folder other tools read.
    FileSystem fs = target instanceof org.apache.hadoop.fs.ChecksumFileSystem c
        ? c.getRawFileSystem() : target;
    fs.mkdirs(dir);
    Map<String, String> sums = new LinkedHashMap<>();
    HfDecoder net = model.model().decoder();
    DataType type = null;
    try (NDManager scratch = model.model().manager().newSubManager()) {
      Map<String, NDArray> weights = net.lora() == null ? new LinkedHashMap<>()
          : net.mergedWeights(scratch);
      if (net.lora() == null) {
        net.parametersByName().forEach((name, p) -> weights.put(name, p.getArray()));
      }
      TreeMap<String, NDArray> tensors = new TreeMap<>(weights);
      for (NDArray a : tensors.values()) {
        type = a.getDataType();
      }
      try (OutputStream out = fs.create(new Path(dir, HfFolder.WEIGHTS), true)) {
        sums.put(HfFolder.WEIGHTS, Safetensors.write(out, tensors, Map.of("format", "pt")));
      }
    }
    for (Map.Entry<String, byte[]> f : model.smallFiles().entrySet()) {
      if (f.getValue() == null || f.getKey().equals(HfFolder.INDEX)) {
        continue;
      }
      byte[] bytes = f.getValue();
      if (f.getKey().equals(HfFolder.CONFIG)) {
        ObjectNode cfg = (ObjectNode) MAPPER.readTree(bytes);
        cfg.put("torch_dtype", dtypeName(type));
        if (cfg.has("dtype")) { // transformers 4.56+ writes and prefers this name
          cfg.put("dtype", dtypeName(type));
        }
        bytes = MAPPER.writeValueAsBytes(cfg);
      }
      try (OutputStream out = fs.create(new Path(dir, f.getKey()), true)) {
        out.write(bytes);
      }
      sums.put(f.getKey(), sha256(bytes));
    }
    return HfFolder.version(sums);
  }

  private static String dtypeName(DataType t) {
    return switch (t) {
      case BFLOAT16 -> "bfloat16";
      case FLOAT16 -> "float16";
      default -> "float32";
    };
  }

  private static String sha256(byte[] b) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
