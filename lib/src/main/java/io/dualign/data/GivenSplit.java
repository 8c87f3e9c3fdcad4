package io.dualign.data;

import java.util.Locale;

/**
 * {@code GivenSplit} reads the split an input names ({@code data.split = given}): a row's own
 * {@code split} field, else its file's name. Hugging Face writes a dataset's splits as
 * {@code train-00000-of-00001.parquet} and {@code test-…}, or {@code train.jsonl}, or in folders
 * {@code train/} and {@code test/}: the file's name up to its first {@code -}, {@code _} or
 * {@code .}, else the nearest folder, names the split when it is {@code train} or {@code test}.
 */
public final class GivenSplit {
  private GivenSplit() {}

  /** The split the path {@code uri} names, or null when it names none. */
  public static String ofPath(String uri) {
    String[] parts = uri.replace('\\', '/').split("/");
    for (int i = parts.length - 1; i >= 0; i--) {
      String part = parts[i].toLowerCase(Locale.ROOT);
      String stem = i == parts.length - 1 ? part.split("[-_.]", 2)[0] : part;
      if (stem.equals(PromptSplit.TRAIN) || stem.equals(PromptSplit.TEST)) {
        return stem;
      }
    }
    return null;
  }

  /**
   * The split a row's {@code split} value names.
   *
   * @throws BadRowException (bad_split) when it is neither train nor test
   */
  public static String ofValue(String value) throws BadRowException {
    String v = value.strip().toLowerCase(Locale.ROOT);
    if (v.equals(PromptSplit.TRAIN) || v.equals(PromptSplit.TEST)) {
      return v;
    }
    throw new BadRowException(RejectReason.BAD_SPLIT, "field 'split' is '" + value
        + "', expected train or test");
  }
}
