package io.dualign.algo.align;

import io.dualign.algo.AlignMethod;
import io.dualign.algo.caid.CaidMethod;
import io.dualign.algo.dpo.DpoHelpfulMethod;
import io.dualign.algo.dpo.DpoSafeMethod;
import io.dualign.algo.oneshot.OneShotMethod;
import io.dualign.algo.saferlhf.SafeRlhfMethod;
import io.dualign.config.ConfigError;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code AlignMethods} is the registry of align methods by name, in report order: the names
 * {@code align.methods} and {@code align --method} accept (declared in {@code conf/dualign.conf})
 * mapped to the methods. A new method is one class and one line here.
 */
public final class AlignMethods {
  private static final Map<String, AlignMethod> BY_NAME = register(
      new CaidMethod(),
      new OneShotMethod(),
      new DpoHelpfulMethod(),
      new DpoSafeMethod(),
      new SafeRlhfMethod());

  private AlignMethods() {}

  private static Map<String, AlignMethod> register(AlignMethod... methods) {
    Map<String, AlignMethod> m = new LinkedHashMap<>();
    for (AlignMethod a : methods) {
      if (m.put(a.cliName(), a) != null) {
        throw new IllegalStateException("two align methods are named " + a.cliName());
      }
    }
    return m;
  }

  /** Every method, in report order. */
  public static Collection<AlignMethod> all() {
    return BY_NAME.values();
  }

  /** The names of every method, in report order. */
  public static List<String> names() {
    return List.copyOf(BY_NAME.keySet());
  }

  /** The method with this name; a {@link ConfigError} naming the allowed ones otherwise. */
  public static AlignMethod of(String name) {
    AlignMethod m = BY_NAME.get(name);
    if (m == null) {
      throw new ConfigError("unknown align method '" + name + "'; one of: "
          + String.join(", ", BY_NAME.keySet()));
    }
    return m;
  }

  /** The methods with these names, in the order given. */
  public static List<AlignMethod> of(List<String> names) {
    List<AlignMethod> out = new ArrayList<>();
    for (String n : names) {
      out.add(of(n));
    }
    return out;
  }
}
