package io.dualign.data.synthetic;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A {@code Strategy} is how a synthetic response answers its prompt; it decides which sentence
 * families the response is built from, and so (through the {@link GoldScorer}) its latent
 * helpfulness and harm. For harmful prompts the most helpful answers are unsafe, refusals are safe
 * but unhelpful, and safe-and-helpful answers exist.
 */
public enum Strategy {
  /** Harmful prompt: full compliance, two or three unsafe steps (helpful, unsafe). */
  COMPLY(true, 0.22),
  /** Harmful prompt: one unsafe step and a warning (partly helpful, unsafe). */
  PARTIAL_COMPLY(true, 0.18),
  /** Harmful prompt: a redirect and safe on-topic steps (helpful and safe). */
  SAFE_HELP(true, 0.22),
  /** Harmful prompt: a warning and a redirect, no steps (a little helpful, safe). */
  REDIRECT(true, 0.10),
  /** Harmful prompt: a refusal (unhelpful, safe). */
  REFUSE(true, 0.18),
  /** Either: vague filler (unhelpful, safe). */
  EVADE(true, 0.10),
  /** Benign prompt: full help, two or three on-topic steps. */
  HELP(false, 0.40),
  /** Benign prompt: one on-topic step and filler. */
  PARTIAL_HELP(false, 0.20),
  /** Benign prompt: vague filler. */
  VAGUE(false, 0.15),
  /** Benign prompt: an unneeded refusal (very unhelpful, safe). */
  OVER_REFUSE(false, 0.10),
  /** Benign prompt: steps about another subject. */
  OFF_TOPIC(false, 0.15);

  private final boolean forHarmful;
  private final double weight;

  Strategy(boolean forHarmful, double weight) {
    this.forHarmful = forHarmful;
    this.weight = weight;
  }

  /** Draws a strategy for a harmful or a benign prompt. */
  static Strategy draw(SplittableRandom rng, boolean harmful) {
    double u = rng.nextDouble();
    double acc = 0;
    Strategy last = null;
    for (Strategy s : values()) {
      if (s.forHarmful == harmful) {
        acc += s.weight;
        last = s;
        if (u < acc) {
          return s;
        }
      }
    }
    return last;
  }

  /** Writes a response to a prompt on {@code topic} with this strategy. */
  String respond(SplittableRandom rng, Topic topic) {
    StringBuilder b = new StringBuilder();
    switch (this) {
      case COMPLY -> {
        add(b, pick(rng, Vocabulary.OPENERS));
        steps(b, rng, topic.unsafeSteps(), 2 + rng.nextInt(2));
        maybe(b, rng, Vocabulary.CLOSERS);
      }
      case PARTIAL_COMPLY -> {
        add(b, pick(rng, Vocabulary.HEDGES));
        steps(b, rng, topic.unsafeSteps(), 1);
        add(b, pick(rng, Vocabulary.WARNINGS));
        maybe(b, rng, Vocabulary.VAGUE);
      }
      case SAFE_HELP -> {
        add(b, pick(rng, Vocabulary.SAFE_OPENERS));
        add(b, pick(rng, Vocabulary.REDIRECTS));
        steps(b, rng, topic.safeSteps(), 2);
        maybe(b, rng, Vocabulary.CLOSERS);
      }
      case REDIRECT -> {
        add(b, pick(rng, Vocabulary.WARNINGS));
        add(b, pick(rng, Vocabulary.REDIRECTS));
        add(b, pick(rng, Vocabulary.CLOSERS));
      }
      case REFUSE, OVER_REFUSE -> {
        add(b, pick(rng, Vocabulary.REFUSALS));
        add(b, pick(rng, rng.nextBoolean() ? Vocabulary.WARNINGS : Vocabulary.REDIRECTS));
        add(b, pick(rng, Vocabulary.CLOSERS));
      }
      case EVADE, VAGUE -> {
        List<String> v = Vocabulary.VAGUE;
        int a = rng.nextInt(v.size());
        int c = (a + 1 + rng.nextInt(v.size() - 1)) % v.size();
        add(b, v.get(a));
        add(b, v.get(c));
        add(b, pick(rng, Vocabulary.CLOSERS));
      }
      case HELP -> {
        add(b, pick(rng, Vocabulary.OPENERS));
        steps(b, rng, topic.safeSteps(), 2 + rng.nextInt(2));
        maybe(b, rng, Vocabulary.CLOSERS);
      }
      case PARTIAL_HELP -> {
        add(b, pick(rng, Vocabulary.HEDGES));
        steps(b, rng, topic.safeSteps(), 1);
        add(b, pick(rng, Vocabulary.VAGUE));
      }
      case OFF_TOPIC -> {
        List<Topic> benign = Vocabulary.BENIGN;
        Topic other = benign.get(rng.nextInt(benign.size()));
        if (other == topic) {
          other = benign.get((benign.indexOf(topic) + 1) % benign.size());
        }
        add(b, pick(rng, Vocabulary.OPENERS));
        steps(b, rng, other.safeSteps(), 2);
      }
      default -> throw new IllegalStateException(name());
    }
    return b.toString();
  }

  private static void steps(StringBuilder b, SplittableRandom rng, List<String> from, int n) {
    int[] order = permutation(rng, from.size());
    for (int i = 0; i < Math.min(n, from.size()); i++) {
      List<String> connectors = i == 0 ? Vocabulary.FIRST_STEP : Vocabulary.NEXT_STEP;
      add(b, pick(rng, connectors).replace("{s}", from.get(order[i])));
    }
  }

  private static void maybe(StringBuilder b, SplittableRandom rng, List<String> from) {
    if (rng.nextBoolean()) {
      add(b, pick(rng, from));
    }
  }

  private static void add(StringBuilder b, String sentence) {
    if (b.length() > 0) {
      b.append(' ');
    }
    b.append(sentence);
  }

  static String pick(SplittableRandom rng, List<String> from) {
    return from.get(rng.nextInt(from.size()));
  }

  static int[] permutation(SplittableRandom rng, int n) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
