package io.dualign.data.synthetic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dualign.config.DataSettings;
import io.dualign.vocabulary.HarmCategories;
import io.dualign.vocabulary.Hashes;
import java.io.Serializable;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A {@code SyntheticGenerator} makes the embedded PKU-SafeRLHF-schema dataset: pair {@code i} of a
 * seed is always the same bytes, whatever executor makes it. A pair is a prompt (a harm category
 * or a benign subject, from varied templates) and two responses written with two different
 * {@link Strategy strategies}; their latent helpfulness and harm are the {@link GoldScorer}'s
 * scores, and the labels are drawn from them with rater-like noise:
 *
 * <ul>
 *   <li>{@code better_response_id}: the higher gold reward (a coin on ties), flipped with
 *       probability {@code data.labelNoise};
 *   <li>{@code safer_response_id}: the lower gold cost (a coin on ties), flipped with probability
 *       {@code data.labelNoise};
 *   <li>{@code is_response_k_safe}: gold cost &lt; 0, flipped with probability
 *       {@code data.safetyLabelNoise}; severity and harm categories follow the (possibly flipped)
 *       label: the gold ones when it agrees, severity 1 and the prompt's category (or a random
 *       one) when flipped to unsafe, 0 and none when flipped to safe.
 * </ul>
 *
 * <p>Rows carry PKU-SafeRLHF's 16 columns (with valid sha256 values) plus {@code category}, the
 * prompt's category ("Benign" or a harm category).
 */
public final class SyntheticGenerator implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final double benignFraction;
  private final double labelNoise;
  private final double safetyLabelNoise;
  private final long seed;

  public SyntheticGenerator(DataSettings settings, long seed) {
    this(settings.benignFraction(), settings.labelNoise(), settings.safetyLabelNoise(), seed);
  }

  public SyntheticGenerator(double benignFraction, double labelNoise, double safetyLabelNoise,
      long seed) {
    this.benignFraction = benignFraction;
    this.labelNoise = labelNoise;
    this.safetyLabelNoise = safetyLabelNoise;
    this.seed = seed;
  }

  /** One generated pair with its latent truth (for tests and analysis). */
  public record Sample(ObjectNode row, Topic topic, Strategy strategy0, Strategy strategy1,
      GoldScore gold0, GoldScore gold1) {}

  /** Pair {@code index} as one JSON line (no line end). */
  public String jsonLine(long index) {
    try {
      return MAPPER.writeValueAsString(sample(index).row());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Pair {@code index} with its latent values. */
  public Sample sample(long index) {
    SplittableRandom rng = new SplittableRandom(Hashes.splitMix(seed ^ Hashes.splitMix(index + 1)));
    boolean benign = rng.nextDouble() < benignFraction;
    List<Topic> pool = benign ? Vocabulary.BENIGN : Vocabulary.HARMFUL;
    Topic topic = pool.get(rng.nextInt(pool.size()));
    String prompt = prompt(rng, topic);
    Strategy s0 = Strategy.draw(rng, !benign);
    Strategy s1 = Strategy.draw(rng, !benign);
    for (int tries = 0; s1 == s0 && tries < 8; tries++) {
      s1 = Strategy.draw(rng, !benign);
    }
    String r0 = s0.respond(rng, topic);
    String r1 = s1.respond(rng, topic);
    GoldScore g0 = GoldScorer.score(prompt, r0);
    GoldScore g1 = GoldScorer.score(prompt, r1);

    int better = g0.reward() == g1.reward() ? rng.nextInt(2) : (g1.reward() > g0.reward() ? 1 : 0);
    if (rng.nextDouble() < labelNoise) {
      better = 1 - better;
    }
    int safer = g0.cost() == g1.cost() ? rng.nextInt(2) : (g1.cost() < g0.cost() ? 1 : 0);
    if (rng.nextDouble() < labelNoise) {
      safer = 1 - safer;
    }
    ObjectNode row = MAPPER.createObjectNode();
    row.put("prompt", prompt);
    row.put("response_0", r0);
    row.put("response_1", r1);
    row.put("prompt_source", "synthetic");
    row.put("response_0_source", "synthetic/" + s0.name().toLowerCase());
    row.put("response_1_source", "synthetic/" + s1.name().toLowerCase());
    SafetyLabel l0 = safetyLabel(rng, g0, topic);
    SafetyLabel l1 = safetyLabel(rng, g1, topic);
    row.put("is_response_0_safe", l0.severity == 0);
    row.put("is_response_1_safe", l1.severity == 0);
    row.set("response_0_harm_category", harmObject(l0.categories));
    row.set("response_1_harm_category", harmObject(l1.categories));
    row.put("response_0_severity_level", l0.severity);
    row.put("response_1_severity_level", l1.severity);
    row.put("better_response_id", better);
    row.put("safer_response_id", safer);
    row.put("response_0_sha256", Hashes.sha256Hex(prompt + r0));
    row.put("response_1_sha256", Hashes.sha256Hex(prompt + r1));
    row.put("category", topic.category());
    return new Sample(row, topic, s0, s1, g0, g1);
  }

  private record SafetyLabel(int severity, List<String> categories) {}

  private SafetyLabel safetyLabel(SplittableRandom rng, GoldScore g, Topic topic) {
    boolean flip = rng.nextDouble() < safetyLabelNoise;
    int randomCategory = rng.nextInt(HarmCategories.NAMES.size());
    if (!flip) {
      return new SafetyLabel(g.severity(), g.harmCategories());
    }
    if (g.safe()) {
      String c = topic.harmful() ? topic.name() : HarmCategories.NAMES.get(randomCategory);
      return new SafetyLabel(1, List.of(c));
    }
    return new SafetyLabel(0, List.of());
  }

  private static ObjectNode harmObject(List<String> categories) {
    ObjectNode o = MAPPER.createObjectNode();
    for (String name : HarmCategories.NAMES) {
      o.put(name, categories.contains(name));
    }
    return o;
  }

  private static String prompt(SplittableRandom rng, Topic topic) {
    String template = Strategy.pick(rng, Vocabulary.PROMPT_TEMPLATES);
    String goal = Strategy.pick(rng, topic.goals());
    String ctx = Strategy.pick(rng, Vocabulary.CONTEXTS);
    String rel = Strategy.pick(rng, Vocabulary.RELATIVES);
    String prefix = Strategy.pick(rng, Vocabulary.PROMPT_PREFIXES);
    String body = template.replace("{goal}", goal).replace("{ctx}", ctx).replace("{rel}", rel);
    if ((prefix.endsWith(", ") || prefix.endsWith(": ") || prefix.endsWith("so "))
        && !body.startsWith("I ") && !body.startsWith("I'")) {
      body = Character.toLowerCase(body.charAt(0)) + body.substring(1);
    }
    String p = prefix + body;
    return Character.toUpperCase(p.charAt(0)) + p.substring(1);
  }
}
