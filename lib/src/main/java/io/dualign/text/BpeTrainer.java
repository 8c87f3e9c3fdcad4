package io.dualign.text;

import io.dualign.run.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code BpeTrainer} learns a byte-level BPE vocabulary from texts and writes it as a HuggingFace
 * {@code tokenizer.json}, so built-in and real models share one tokenizer code path
 * ({@link TextTokenizer}). Ids 0 and 1 are the end-of-sequence and padding tokens, 2..257 the 256
 * bytes, then one id per merge in the order learnt. Ties are broken by the smallest pair of ids,
 * so the result depends only on the texts and the vocabulary size.
 */
public final class BpeTrainer {
  public static final String EOS = "<|endoftext|>";
  public static final String PAD = "<|pad|>";
  private static final int FIRST_BYTE_ID = 2;

  private final int vocabSize;

  /** @param vocabSize total vocabulary size including the two special tokens and 256 bytes */
  public BpeTrainer(int vocabSize) {
    if (vocabSize < FIRST_BYTE_ID + 256) {
      throw new IllegalArgumentException("BPE vocabulary size must be >= 258 (2 special tokens "
          + "+ 256 bytes), was " + vocabSize);
    }
    this.vocabSize = vocabSize;
  }

  /** A learnt vocabulary: tokens by id and the merges in order. */
  public record Vocabulary(List<String> tokens, List<String[]> merges) {
    /** The HuggingFace {@code tokenizer.json} document for this vocabulary. */
    public Map<String, Object> toTokenizerJson() {
      Map<String, Object> vocab = new LinkedHashMap<>();
      for (int i = 0; i < tokens.size(); i++) {
        vocab.put(tokens.get(i), i);
      }
      List<String> mergeLines = new ArrayList<>();
      for (String[] m : merges) {
        mergeLines.add(m[0] + " " + m[1]);
      }
      Map<String, Object> model = new LinkedHashMap<>();
      model.put("type", "BPE");
      model.put("dropout", null);
      model.put("unk_token", null);
      model.put("continuing_subword_prefix", null);
      model.put("end_of_word_suffix", null);
      model.put("fuse_unk", false);
      model.put("byte_fallback", false);
      model.put("vocab", vocab);
      model.put("merges", mergeLines);
      Map<String, Object> byteLevel = new LinkedHashMap<>();
      byteLevel.put("type", "ByteLevel");
      byteLevel.put("add_prefix_space", false);
      byteLevel.put("trim_offsets", true);
      byteLevel.put("use_regex", true);
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("version", "1.0");
      doc.put("truncation", null);
      doc.put("padding", null);
      doc.put("added_tokens", List.of(added(0, EOS), added(1, PAD)));
      doc.put("normalizer", null);
      doc.put("pre_tokenizer", byteLevel);
      doc.put("post_processor", null);
      doc.put("decoder", byteLevel);
      doc.put("model", model);
      return doc;
    }

    /** Writes {@code tokenizer.json} to {@code file}. */
    public void write(Path file) throws IOException {
      Files.write(file, Json.write(toTokenizerJson()));
    }

    private static Map<String, Object> added(int id, String content) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", id);
      m.put("content", content);
      m.put("single_word", false);
      m.put("lstrip", false);
      m.put("rstrip", false);
      m.put("normalized", false);
      m.put("special", true);
      return m;
    }
  }

  /** Learns merges from the texts until the vocabulary is full or no pair occurs twice. */
  public Vocabulary train(Iterable<String> texts) {
    Map<String, Integer> wordCounts = new HashMap<>();
    for (String text : texts) {
      for (String w : ByteLevel.preTokenize(text)) {
        wordCounts.merge(w, 1, Integer::sum);
      }
    }
    List<String> tokens = new ArrayList<>(vocabSize);
    tokens.add(EOS);
    tokens.add(PAD);
    Map<Character, Integer> byteIds = new HashMap<>();
    for (int b = 0; b < 256; b++) {
      byteIds.put(ByteLevel.charOf(b), tokens.size());
      tokens.add(String.valueOf(ByteLevel.charOf(b)));
    }
    // Words as id sequences, with their counts, in a deterministic order.
    List<String> keys = new ArrayList<>(wordCounts.keySet());
    keys.sort(null);
    int[][] words = new int[keys.size()][];
    int[] counts = new int[keys.size()];
    for (int w = 0; w < keys.size(); w++) {
      String k = keys.get(w);
      words[w] = new int[k.length()];
      for (int i = 0; i < k.length(); i++) {
        words[w][i] = byteIds.get(k.charAt(i));
      }
      counts[w] = wordCounts.get(k);
    }
    Map<Long, Long> pairCounts = new HashMap<>();
    for (int w = 0; w < words.length; w++) {
      addPairs(pairCounts, words[w], counts[w], 1);
    }
    List<String[]> merges = new ArrayList<>();
    Map<String, Integer> tokenIds = new HashMap<>();
    for (int i = 0; i < tokens.size(); i++) {
      tokenIds.put(tokens.get(i), i);
    }
    while (tokens.size() < vocabSize) {
      long best = -1;
      long bestCount = 1; // a pair must occur at least twice to be worth a token
      for (Map.Entry<Long, Long> e : pairCounts.entrySet()) {
        long c = e.getValue();
        if (c > bestCount || (c == bestCount && best >= 0 && e.getKey() < best)) {
          best = e.getKey();
          bestCount = c;
        }
      }
      if (best < 0) {
        break;
      }
      int a = (int) (best >>> 32);
      int b = (int) best;
      String mergedText = tokens.get(a) + tokens.get(b);
      // Two merge paths can spell the same string ("ab"+"c", "a"+"bc"): one id for both.
      Integer existing = tokenIds.get(mergedText);
      int merged = existing != null ? existing : tokens.size();
      if (existing == null) {
        tokens.add(mergedText);
        tokenIds.put(mergedText, merged);
      }
      merges.add(new String[] {tokens.get(a), tokens.get(b)});
      for (int w = 0; w < words.length; w++) {
        int[] word = words[w];
        if (!contains(word, a, b)) {
          continue;
        }
        addPairs(pairCounts, word, counts[w], -1);
        words[w] = replace(word, a, b, merged);
        addPairs(pairCounts, words[w], counts[w], 1);
      }
    }
    return new Vocabulary(List.copyOf(tokens), List.copyOf(merges));
  }

  private static boolean contains(int[] word, int a, int b) {
    for (int i = 0; i + 1 < word.length; i++) {
      if (word[i] == a && word[i + 1] == b) {
        return true;
      }
    }
    return false;
  }

  private static int[] replace(int[] word, int a, int b, int merged) {
    int[] out = new int[word.length];
    int n = 0;
    for (int i = 0; i < word.length; i++) {
      if (i + 1 < word.length && word[i] == a && word[i + 1] == b) {
        out[n++] = merged;
        i++;
      } else {
        out[n++] = word[i];
      }
    }
    return java.util.Arrays.copyOf(out, n);
  }

  private static void addPairs(Map<Long, Long> pairCounts, int[] word, int count, int sign) {
    for (int i = 0; i + 1 < word.length; i++) {
      long key = ((long) word[i] << 32) | (word[i + 1] & 0xFFFFFFFFL);
      long c = pairCounts.merge(key, (long) sign * count, Long::sum);
      if (c == 0) {
        pairCounts.remove(key);
      }
    }
  }
}
