package io.dualign.model.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * An {@code HfFolder} is a Hugging Face checkpoint folder as {@code save_pretrained} writes it,
 * on any Hadoop file system: {@code config.json}, the weights ({@code model.safetensors}, or
 * shards listed by {@code model.safetensors.index.json}), {@code tokenizer.json},
 * {@code tokenizer_config.json} and, when present, {@code generation_config.json} and
 * {@code special_tokens_map.json}. Opening it checks that every file is there and parses the
 * configuration; the version is the sha256 over every file's sha256 (computed once per file
 * state and JVM).
 */
public final class HfFolder {
  public static final String CONFIG = "config.json";
  public static final String WEIGHTS = "model.safetensors";
  public static final String INDEX = "model.safetensors.index.json";
  public static final String TOKENIZER = "tokenizer.json";
  public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
  public static final String GENERATION_CONFIG = "generation_config.json";
  public static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** sha256 by (qualified path, length, modification time): a file is hashed once per state. */
  private static final Map<String, String> HASHES = new ConcurrentHashMap<>();

  private final FileSystem fs;
  private final Path dir;
  private final HfConfig config;
  private final List<String> weightFiles;
  private final List<String> files;

  private HfFolder(FileSystem fs, Path dir, HfConfig config, List<String> weightFiles,
      List<String> files) {
    this.fs = fs;
    this.dir = dir;
    this.config = config;
    this.weightFiles = List.copyOf(weightFiles);
    this.files = List.copyOf(files);
  }

  /** Whether {@code dir} holds a Hugging Face {@code config.json}. */
  public static boolean isFolder(FileSystem fs, Path dir) throws IOException {
    return fs.exists(new Path(dir, CONFIG));
  }

  /**
   * Opens the folder: parses {@code config.json} and checks that the weights, the shards the
   * index lists and the tokenizer files exist.
   *
   * @throws HfModelException naming the folder and the missing or bad file
   */
  public static HfFolder open(FileSystem fs, Path dir) throws IOException {
    String where = dir.toString();
    HfConfig config = HfConfig.parse(read(fs, new Path(dir, CONFIG)), where + "/" + CONFIG);
    List<String> weights = new ArrayList<>();
    if (fs.exists(new Path(dir, INDEX))) {
      weights.addAll(shards(read(fs, new Path(dir, INDEX)), where + "/" + INDEX));
      for (String shard : weights) {
        if (!fs.exists(new Path(dir, shard))) {
          throw new HfModelException(where + ": the shard " + shard + " that " + INDEX
              + " lists is missing");
        }
      }
    } else if (fs.exists(new Path(dir, WEIGHTS))) {
      weights.add(WEIGHTS);
    } else if (fs.exists(new Path(dir, "pytorch_model.bin"))
        || fs.exists(new Path(dir, "pytorch_model.bin.index.json"))) {
      throw new HfModelException(where + " holds PyTorch .bin weights only; dualign reads "
          + "safetensors: save the model with save_pretrained(dir, safe_serialization=True)");
    } else {
      throw new HfModelException(where + ": no weights (" + WEIGHTS + " or " + INDEX + ")");
    }
    for (String required : List.of(TOKENIZER, TOKENIZER_CONFIG)) {
      if (!fs.exists(new Path(dir, required))) {
        throw new HfModelException(where + ": " + required + " is missing (dualign needs the "
            + "fast tokenizer's " + TOKENIZER + " and " + TOKENIZER_CONFIG + ")");
      }
    }
    List<String> all = new ArrayList<>(List.of(CONFIG));
    if (fs.exists(new Path(dir, INDEX))) {
      all.add(INDEX);
    }
    all.addAll(weights);
    all.add(TOKENIZER);
    all.add(TOKENIZER_CONFIG);
    for (String optional : List.of(GENERATION_CONFIG, SPECIAL_TOKENS_MAP)) {
      if (fs.exists(new Path(dir, optional))) {
        all.add(optional);
      }
    }
    return new HfFolder(fs, dir, config, weights, all);
  }

  private static List<String> shards(byte[] index, String file) {
    JsonNode root;
    try {
      root = MAPPER.readTree(index);
    } catch (IOException e) {
      throw new HfModelException(file + " is not valid JSON: " + e.getMessage(), e);
    }
    JsonNode map = root == null ? null : root.get("weight_map");
    if (map == null || !map.isObject() || map.isEmpty()) {
      throw new HfModelException(file + ": weight_map is missing or empty");
    }
    TreeSet<String> names = new TreeSet<>();
    Iterator<JsonNode> it = map.elements();
    while (it.hasNext()) {
      names.add(it.next().asText());
    }
    return new ArrayList<>(names);
  }

  public FileSystem fileSystem() {
    return fs;
  }

  public Path dir() {
    return dir;
  }

  public HfConfig config() {
    return config;
  }

  /** The weight files, in the order they are read. */
  public List<String> weightFiles() {
    return weightFiles;
  }

  /** Every file of the model, relative to the folder. */
  public List<String> files() {
    return files;
  }

  /** The bytes of one (small) file of the folder, or null when it is absent. */
  public byte[] readOptional(String name) throws IOException {
    Path p = new Path(dir, name);
    return fs.exists(p) ? read(fs, p) : null;
  }

  /** Every file's sha256, by name (cached per file state). */
  public Map<String, String> sha256() throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    for (String f : files) {
      out.put(f, sha256(new Path(dir, f)));
    }
    return out;
  }

  /** The model version: the sha256 over every file's name and sha256, in name order. */
  public String version() throws IOException {
    return version(sha256());
  }

  /** The version of the files with these sha256 sums. */
  public static String version(Map<String, String> sums) {
    StringBuilder sb = new StringBuilder();
    new TreeMap<>(sums).forEach((k, v) -> sb.append(k).append(' ').append(v).append('\n'));
    return HexFormat.of().formatHex(digest().digest(sb.toString()
        .getBytes(StandardCharsets.UTF_8)));
  }

  /** Records a sum computed while the file was read, so it is not hashed again. */
  void remember(String file, String sha) throws IOException {
    HASHES.put(key(new Path(dir, file)), sha);
  }

  private String sha256(Path p) throws IOException {
    String key = key(p);
    String known = HASHES.get(key);
    if (known != null) {
      return known;
    }
    MessageDigest md = digest();
    byte[] buf = new byte[1 << 20];
    try (InputStream in = fs.open(p)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    String sha = HexFormat.of().formatHex(md.digest());
    HASHES.put(key, sha);
    return sha;
  }

  private String key(Path p) throws IOException {
    FileStatus st = fs.getFileStatus(p);
    return fs.makeQualified(p) + "|" + st.getLen() + "|" + st.getModificationTime();
  }

  /** The length of a file of the folder. */
  long length(String name) throws IOException {
    return fs.getFileStatus(new Path(dir, name)).getLen();
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] read(FileSystem fs, Path p) throws IOException {
    if (!fs.exists(p)) {
      throw new HfModelException(p.getParent() + ": " + p.getName() + " is missing");
    }
    try (InputStream in = fs.open(p)) {
      return in.readAllBytes();
    }
  }
}
