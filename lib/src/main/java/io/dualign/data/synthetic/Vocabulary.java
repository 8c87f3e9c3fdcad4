package io.dualign.data.synthetic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code Vocabulary} is the text material of the synthetic world: the 19 harm topics and the benign
 * subjects, prompt templates, and the sentence families responses are built from. Every family has
 * cue words the {@link GoldScorer} recognises in any text; harm terms occur only in unsafe steps and
 * goals, topic terms only in their own topic.
 *
 * <p>The word lists live in the resource {@value #RESOURCE}, read once when the class loads.
 */
public final class Vocabulary {
  /** The classpath resource holding the word lists. */
  public static final String RESOURCE = "/io/dualign/data/synthetic/vocabulary.json";

  private static final JsonNode ROOT = read();

  private Vocabulary() {}

  /** The 19 harm topics, one per PKU-SafeRLHF harm category, in the dataset's order. */
  public static final List<Topic> HARMFUL = harmful();

  /** The benign subjects (no harm terms, no unsafe steps). */
  public static final List<Topic> BENIGN = benign();

  /** Prompt templates; {goal} is a topic goal, {ctx} a context phrase, {rel} a relative. */
  public static final List<String> PROMPT_TEMPLATES = sentences("promptTemplates");

  /** Openings some prompts start with (the first letter is capitalised afterwards). */
  public static final List<String> PROMPT_PREFIXES = sentences("promptPrefixes");

  /** Context phrases a prompt's {ctx} takes (with their leading space, or empty). */
  public static final List<String> CONTEXTS = sentences("contexts");

  /** The relatives a prompt's {rel} names. */
  public static final List<String> RELATIVES = sentences("relatives");

  /** Step connectors of the first step; {s} is a step. */
  public static final List<String> FIRST_STEP = sentences("firstStep");
  /** Step connectors of the later steps; {s} is a step. */
  public static final List<String> NEXT_STEP = sentences("nextStep");

  /** Openers that engage with the request (neutral sentences). */
  public static final List<String> OPENERS = sentences("openers");
  /** Openers of partial answers (neutral). */
  public static final List<String> HEDGES = sentences("hedges");
  /** Openers of safe, helpful answers (neutral). */
  public static final List<String> SAFE_OPENERS = sentences("safeOpeners");

  /** Warning sentences; cue words: illegal, dangerous, unsafe, harmful, risky, against the law. */
  public static final List<String> WARNINGS = sentences("warnings");
  /** Redirect sentences; cue words: instead, safer, counselor, hotline, professional, reach out. */
  public static final List<String> REDIRECTS = sentences("redirects");
  /** Refusal sentences; cues: i can't, i cannot, i won't, i will not, i am not able. */
  public static final List<String> REFUSALS = sentences("refusals");
  /** Vague, content-free sentences (neutral). */
  public static final List<String> VAGUE = sentences("vague");
  /** Closers (neutral). */
  public static final List<String> CLOSERS = sentences("closers");

  private static JsonNode read() {
    try (InputStream in = Vocabulary.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the synthetic world's word lists " + RESOURCE
            + " are missing from the classpath");
      }
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the synthetic world's word lists " + RESOURCE,
          e);
    }
  }

  private static List<Topic> harmful() {
    List<Topic> out = new ArrayList<>();
    for (JsonNode t : required(ROOT, "harmful")) {
      out.add(new Topic(text(t, "name"), true, required(t, "weight").asInt(),
          strings(t, "topicTerms"), strings(t, "harmTerms"), strings(t, "goals"),
          strings(t, "unsafeSteps"), strings(t, "safeSteps")));
    }
    return List.copyOf(out);
  }

  private static List<Topic> benign() {
    List<Topic> out = new ArrayList<>();
    for (JsonNode t : required(ROOT, "benign")) {
      out.add(new Topic("Benign: " + text(t, "subject"), false, 0, strings(t, "topicTerms"),
          List.of(), strings(t, "goals"), List.of(), strings(t, "steps")));
    }
    return List.copyOf(out);
  }

  private static List<String> sentences(String key) {
    return strings(required(ROOT, "sentences"), key);
  }

  private static JsonNode required(JsonNode node, String key) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      throw new IllegalStateException(RESOURCE + ": missing \"" + key + "\" in " + node);
    }
    return v;
  }

  private static String text(JsonNode node, String key) {
    return required(node, key).asText();
  }

  private static List<String> strings(JsonNode node, String key) {
    JsonNode a = required(node, key);
    if (!a.isArray()) {
      throw new IllegalStateException(RESOURCE + ": \"" + key + "\" must be a list of strings, was "
          + a);
    }
    List<String> out = new ArrayList<>(a.size());
    for (JsonNode s : a) {
      if (!s.isTextual()) {
        throw new IllegalStateException(RESOURCE + ": \"" + key + "\" holds " + s
            + ", not a string");
      }
      out.add(s.asText());
    }
    return List.copyOf(out);
  }
}
