package io.dualign.text;

import java.util.Arrays;

/**
 * A {@code PromptEncoder} turns prompts and responses into token ids with explicit limits: a
 * prompt longer than {@code maxPromptTokens} keeps the template's prefix and suffix and the first
 * tokens of the prompt that fit; a response longer than {@code maxResponseTokens} is cut. Every
 * cut is reported in the result so callers count them.
 */
public final class PromptEncoder {
  private final TextTokenizer tokenizer;
  private final ChatTemplate template;
  private final int maxPromptTokens;
  private final int maxResponseTokens;
  private final long[] prefixIds;
  private final long[] suffixIds;

  /** One encoded text and how many tokens were cut from it (0: none). */
  public record Encoded(long[] ids, int droppedTokens) {
    public boolean truncated() {
      return droppedTokens > 0;
    }
  }

  public PromptEncoder(TextTokenizer tokenizer, ChatTemplate template, int maxPromptTokens,
      int maxResponseTokens) {
    this.tokenizer = tokenizer;
    this.template = template;
    this.maxPromptTokens = maxPromptTokens;
    this.maxResponseTokens = maxResponseTokens;
    this.prefixIds = tokenizer.encodePrompt(template.prefix());
    this.suffixIds = tokenizer.encode(template.suffix());
    if (prefixIds.length + suffixIds.length >= maxPromptTokens) {
      throw new IllegalArgumentException("maxPromptTokens " + maxPromptTokens + " leaves no room "
          + "for a prompt: the chat template alone takes " + (prefixIds.length + suffixIds.length)
          + " tokens");
    }
  }

  public TextTokenizer tokenizer() {
    return tokenizer;
  }

  public int maxPromptTokens() {
    return maxPromptTokens;
  }

  public int maxResponseTokens() {
    return maxResponseTokens;
  }

  /** The templated prompt, at most {@code maxPromptTokens} ids. */
  public Encoded prompt(String prompt) {
    long[] whole = tokenizer.encodePrompt(template.format(prompt));
    if (whole.length <= maxPromptTokens) {
      return new Encoded(whole, 0);
    }
    long[] body = tokenizer.encode(prompt);
    int room = maxPromptTokens - prefixIds.length - suffixIds.length;
    int keep = Math.min(room, body.length);
    long[] ids = new long[prefixIds.length + keep + suffixIds.length];
    System.arraycopy(prefixIds, 0, ids, 0, prefixIds.length);
    System.arraycopy(body, 0, ids, prefixIds.length, keep);
    System.arraycopy(suffixIds, 0, ids, prefixIds.length + keep, suffixIds.length);
    return new Encoded(ids, whole.length - ids.length);
  }

  /**
   * The response followed by the end-of-sequence token, at most {@code maxResponseTokens} ids in
   * all (a cut response has no end-of-sequence token: it did not end there).
   */
  public Encoded response(String response) {
    long[] body = tokenizer.encode(response);
    if (body.length + 1 <= maxResponseTokens) {
      long[] ids = Arrays.copyOf(body, body.length + 1);
      ids[body.length] = tokenizer.eosId();
      return new Encoded(ids, 0);
    }
    return new Encoded(Arrays.copyOf(body, maxResponseTokens), body.length + 1 - maxResponseTokens);
  }
}
