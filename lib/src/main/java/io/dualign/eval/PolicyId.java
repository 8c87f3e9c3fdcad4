package io.dualign.eval;

import java.util.Comparator;
import java.util.List;

/**
 * A {@code PolicyId} names one evaluated policy: its method ({@code reference}, {@code oneshot},
 * {@code caid}, {@code safe-rlhf}, {@code dpo-helpful}, {@code dpo-safe}) and, for methods with
 * several policies, the iteration. Its {@link #name()} is the {@code policy} column of the evaluation tables.
 */
public record PolicyId(String method, int iteration) {
  /** The methods in report order. */
  public static final List<String> METHODS =
      List.of("reference", "oneshot", "caid", "safe-rlhf", "dpo-helpful", "dpo-safe");

  /** Report order: by method as in {@link #METHODS} (unknown methods last), then iteration. */
  public static final Comparator<PolicyId> ORDER = Comparator
      .comparingInt((PolicyId p) -> rank(p.method())).thenComparing(PolicyId::method)
      .thenComparingInt(PolicyId::iteration);

  public static final PolicyId REFERENCE = new PolicyId("reference", 0);

  /** {@code caid-<t>} for CAID iterations, the method name otherwise. */
  public String name() {
    return "caid".equals(method) ? "caid-" + iteration : method;
  }

  private static int rank(String method) {
    int i = METHODS.indexOf(method);
    return i < 0 ? METHODS.size() : i;
  }
}
