package io.dualign.model.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An {@code HfConfig} is the part of a Hugging Face {@code config.json} that fixes a Llama-family
 * network: the architecture, the sizes, grouped-query attention, the rotary embedding (theta and
 * scaling), RMSNorm's epsilon, biases, the tied head, the sliding window and the special token
 * ids. Parsing checks each value and names the file and key of a bad one.
 *
 * @param headDim the width of one attention head ({@code head_dim}, else hidden / heads)
 * @param attentionBias biases on the query, key and value projections (Qwen2; Llama's
 *     {@code attention_bias} also puts one on the output projection: {@code outputBias})
 * @param slidingWindow the longest sequence the attention sees in full (Mistral); 0: no window
 * @param normalizer safe-rlhf's score normaliser; {@link ScoreNormalizer#IDENTITY} elsewhere
 */
public record HfConfig(HfArchitecture architecture, String modelType, int vocabSize,
    int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads, int headDim,
    double rmsNormEps, double ropeTheta, RopeScaling ropeScaling, int maxPositions,
    boolean tieWordEmbeddings, boolean attentionBias, boolean outputBias, boolean mlpBias,
    int slidingWindow, int numLabels, boolean scoreBias, ScoreNormalizer normalizer,
    Long padTokenId, List<Long> eosTokenIds, String torchDtype) {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  public HfConfig {
    eosTokenIds = List.copyOf(eosTokenIds);
  }

  /**
   * The configuration in {@code bytes} (the {@code config.json} at {@code file}).
   *
   * @throws HfModelException naming the file and the key when a value is missing, of the wrong
   *     type or unsupported (an architecture dualign does not run names the ones it does)
   */
  public static HfConfig parse(byte[] bytes, String file) {
    JsonNode root;
    try {
      root = MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw new HfModelException(file + " is not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new HfModelException(file + " is not a JSON object");
    }
    Reader r = new Reader(root, file);
    JsonNode archs = root.get("architectures");
    if (archs == null || !archs.isArray() || archs.size() != 1 || !archs.get(0).isTextual()) {
      throw new HfModelException(file + ": architectures = " + archs + " must name one "
          + "architecture; dualign runs " + HfArchitecture.supported());
    }
    String name = archs.get(0).asText();
    HfArchitecture arch = HfArchitecture.of(name).orElseThrow(() -> new HfModelException(file
        + ": architectures = [\"" + name + "\"] is not supported; dualign runs "
        + HfArchitecture.supported() + " natively (other architectures: export a TorchScript "
        + "bundle with jobs/scripts/export_hf_torchscript.py)"));
    String act = r.text("hidden_act", "silu");
    if (!act.equals("silu")) {
      throw new HfModelException(file + ": hidden_act = " + act + " is not supported (the "
          + "Llama-family MLP is SwiGLU: silu)");
    }
    int hidden = r.positiveInt("hidden_size");
    int heads = r.positiveInt("num_attention_heads");
    int kvHeads = r.has("num_key_value_heads") ? r.positiveInt("num_key_value_heads") : heads;
    if (heads % kvHeads != 0) {
      throw new HfModelException(file + ": num_attention_heads = " + heads
          + " is not a multiple of num_key_value_heads = " + kvHeads);
    }
    int headDim;
    if (r.has("head_dim")) {
      headDim = r.positiveInt("head_dim");
    } else {
      if (hidden % heads != 0) {
        throw new HfModelException(file + ": hidden_size = " + hidden
            + " is not a multiple of num_attention_heads = " + heads + " (and no head_dim)");
      }
      headDim = hidden / heads;
    }
    if (headDim % 2 != 0) {
      throw new HfModelException(file + ": head_dim = " + headDim + " must be even (RoPE)");
    }
    JsonNode ropeParams = root.get("rope_parameters"); // newer transformers
    double theta = r.has("rope_theta") ? r.positiveDouble("rope_theta")
        : ropeParams != null && ropeParams.has("rope_theta")
            ? new Reader(ropeParams, file + " rope_parameters").positiveDouble("rope_theta")
            : 10000.0;
    JsonNode scaling = root.get("rope_scaling");
    if ((scaling == null || scaling.isNull()) && ropeParams != null && ropeParams.isObject()) {
      scaling = ropeParams;
    }
    RopeScaling rope = ropeScaling(scaling, file);
    HfArchitecture.Family family = arch.family();
    boolean qkvBias = family == HfArchitecture.Family.QWEN2 || r.bool("attention_bias", false);
    boolean outBias = family != HfArchitecture.Family.QWEN2 && r.bool("attention_bias", false);
    int window = 0;
    if (family == HfArchitecture.Family.MISTRAL && r.has("sliding_window")
        && !root.get("sliding_window").isNull()) {
      window = r.positiveInt("sliding_window");
    }
    if (family == HfArchitecture.Family.QWEN2 && r.bool("use_sliding_window", false)) {
      throw new HfModelException(file + ": use_sliding_window = true is not supported");
    }
    int numLabels = 1;
    if (arch.head() == HfArchitecture.Head.SEQUENCE_CLASSIFICATION) {
      numLabels = r.has("num_labels") ? r.positiveInt("num_labels")
          : root.has("id2label") ? root.get("id2label").size() : 2;
      if (numLabels != 1) {
        throw new HfModelException(file + ": num_labels = " + numLabels + "; a score model needs "
            + "exactly one label (a scalar reward or cost)");
      }
    }
    boolean scoreBias = false;
    ScoreNormalizer normalizer = ScoreNormalizer.IDENTITY;
    if (arch.head() == HfArchitecture.Head.SAFE_RLHF_SCORE) {
      int dim = r.has("score_dim") ? r.positiveInt("score_dim") : 1;
      if (dim != 1) {
        throw new HfModelException(file + ": score_dim = " + dim + "; a score model needs 1");
      }
      scoreBias = r.bool("score_bias", true);
      // safe-rlhf's init_score_head: the function follows score_type unless the config names one.
      String byType = switch (r.text("score_type", "reward")) {
        case "cost" -> "scale";
        case "critic" -> "identity";
        default -> "affine";
      };
      normalizer = r.bool("do_normalize", false)
          ? ScoreNormalizer.parseFunction(r.text("normalize_function", byType), file)
          : ScoreNormalizer.IDENTITY;
    }
    List<Long> eos = new ArrayList<>();
    JsonNode e = root.get("eos_token_id");
    if (e != null && e.isArray()) {
      e.forEach(x -> eos.add(x.asLong()));
    } else if (e != null && e.isIntegralNumber()) {
      eos.add(e.asLong());
    }
    JsonNode pad = root.get("pad_token_id");
    String dtype = r.text("dtype", r.text("torch_dtype", "float32")); // dtype: transformers 4.56+
    return new HfConfig(arch, r.text("model_type", ""), r.positiveInt("vocab_size"), hidden,
        r.positiveInt("intermediate_size"), r.positiveInt("num_hidden_layers"), heads, kvHeads,
        headDim, r.has("rms_norm_eps") ? r.positiveDouble("rms_norm_eps") : 1e-6, theta, rope,
        r.has("max_position_embeddings") ? r.positiveInt("max_position_embeddings") : 2048,
        r.bool("tie_word_embeddings", false), qkvBias, outBias, r.bool("mlp_bias", false), window,
        numLabels, scoreBias, normalizer,
        pad == null || pad.isNull() ? null : pad.asLong(), eos, dtype);
  }

  private static RopeScaling ropeScaling(JsonNode s, String file) {
    if (s == null || s.isNull()) {
      return RopeScaling.NONE;
    }
    Reader r = new Reader(s, file + " rope_scaling");
    String type = r.text("rope_type", r.text("type", "default")).toLowerCase(Locale.ROOT);
    return switch (type) {
      case "default" -> RopeScaling.NONE;
      case "linear" -> RopeScaling.linear(r.positiveDouble("factor"));
      case "llama3" -> RopeScaling.llama3(r.positiveDouble("factor"),
          r.positiveDouble("low_freq_factor"), r.positiveDouble("high_freq_factor"),
          r.positiveInt("original_max_position_embeddings"));
      default -> throw new HfModelException(file + ": rope_scaling type '" + type
          + "' is not supported (supported: default, linear, llama3)");
    };
  }

  /** The stored weight type as DJL names it ({@code torch_dtype}). */
  public String storedDtype() {
    return torchDtype;
  }

  /** Width of the query projection's output (heads × head_dim). */
  public int queryWidth() {
    return heads * headDim;
  }

  /** Width of the key (and value) projection's output. */
  public int kvWidth() {
    return kvHeads * headDim;
  }

  /** The scalar parameters of the network (embedding, layers, norms and head). */
  public long parameterCount() {
    long attn = (long) hiddenSize * queryWidth() * 2 + (long) hiddenSize * kvWidth() * 2
        + (attentionBias ? queryWidth() + 2L * kvWidth() : 0) + (outputBias ? hiddenSize : 0);
    long mlp = 3L * hiddenSize * intermediateSize
        + (mlpBias ? 2L * intermediateSize + hiddenSize : 0);
    long layer = attn + mlp + 2L * hiddenSize;
    long embed = (long) vocabSize * hiddenSize;
    long head = switch (architecture.head()) {
      case LANGUAGE_MODEL -> tieWordEmbeddings ? 0 : embed;
      case SEQUENCE_CLASSIFICATION -> hiddenSize;
      case SAFE_RLHF_SCORE -> hiddenSize + (scoreBias ? 1 : 0);
    };
    return embed + layers * layer + hiddenSize + head;
  }

  /** The sizes that decide the model's memory. */
  public io.dualign.model.MemoryPlan.Shape memoryShape() {
    return new io.dualign.model.MemoryPlan.Shape(parameterCount(), layers, hiddenSize,
        intermediateSize, heads, kvWidth(), vocabSize, io.dualign.model.MemoryPlan.Block.LLAMA);
  }

  /** One line for messages and {@code doctor}. */
  public String describe() {
    return architecture.hfName() + "(vocab=" + vocabSize + ", hidden=" + hiddenSize + ", layers="
        + layers + ", heads=" + heads + ", kvHeads=" + kvHeads + ", headDim=" + headDim
        + ", intermediate=" + intermediateSize + ", rope_theta=" + ropeTheta
        + (ropeScaling.type() == RopeScaling.Type.DEFAULT ? "" : ", rope_scaling="
            + ropeScaling.type().name().toLowerCase(Locale.ROOT)) + (tieWordEmbeddings
            ? ", tied" : "") + (slidingWindow > 0 ? ", sliding_window=" + slidingWindow : "")
        + ")";
  }

  /** Typed access to a JSON object's keys, with messages naming the file and the key. */
  private record Reader(JsonNode node, String file) {
    boolean has(String key) {
      JsonNode v = node.get(key);
      return v != null && !v.isNull();
    }

    int positiveInt(String key) {
      JsonNode v = node.get(key);
      if (v == null || v.isNull()) {
        throw new HfModelException(file + ": " + key + " is missing");
      }
      if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 1) {
        throw new HfModelException(file + ": " + key + " = " + v + " must be a positive integer");
      }
      return v.asInt();
    }

    double positiveDouble(String key) {
      JsonNode v = node.get(key);
      if (v == null || v.isNull()) {
        throw new HfModelException(file + ": " + key + " is missing");
      }
      if (!v.isNumber() || !(v.asDouble() > 0)) {
        throw new HfModelException(file + ": " + key + " = " + v + " must be a positive number");
      }
      return v.asDouble();
    }

    boolean bool(String key, boolean dflt) {
      JsonNode v = node.get(key);
      if (v == null || v.isNull()) {
        return dflt;
      }
      if (!v.isBoolean()) {
        throw new HfModelException(file + ": " + key + " = " + v + " must be true or false");
      }
      return v.asBoolean();
    }

    String text(String key, String dflt) {
      JsonNode v = node.get(key);
      return v == null || v.isNull() ? dflt : v.asText();
    }
  }
}
