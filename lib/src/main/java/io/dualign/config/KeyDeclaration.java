package io.dualign.config;

import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code KeyDeclaration} is one configuration key as declared in {@code conf/dualign.conf}: its
 * type (that of the default), its default, its valid range and its documentation (the comment above
 * it). It validates any value given for the key.
 */
public record KeyDeclaration(
    String key, Type type, Type elementType, ConfigValue defaultValue, Range range,
    List<String> choices, String doc) {

  /** Value types a key may have. */
  public enum Type { BOOLEAN, INTEGER, NUMBER, STRING, LIST }

  /** A numeric interval; {@code lo}/{@code hi} may be infinite. */
  public record Range(double lo, boolean loClosed, double hi, boolean hiClosed) {
    boolean contains(double v) {
      return (loClosed ? v >= lo : v > lo) && (hiClosed ? v <= hi : v < hi);
    }

    @Override
    public String toString() {
      return (loClosed ? "[" : "(") + bound(lo) + ", " + bound(hi) + (hiClosed ? "]" : ")");
    }

    private static String bound(double v) {
      if (Double.isInfinite(v)) {
        return v > 0 ? "inf" : "-inf";
      }
      return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
  }

  private static final Pattern RANGE =
      Pattern.compile("range:\\s*([\\[(])\\s*([^,]+?)\\s*,\\s*([^\\])]+?)\\s*([\\])])");
  private static final Pattern ONE_OF = Pattern.compile("one of:\\s*(.+)$");
  private static final Pattern ELEMENTS = Pattern.compile("elements:\\s*(boolean|integer|number|string)\\s*$");

  /** Reads the declaration of {@code key} from its default value and the comment lines above it. */
  public static KeyDeclaration parse(String key, ConfigValue value) {
    return parse(key, value, null);
  }

  /**
   * As {@link #parse(String, ConfigValue)}, with the declaration's source line: typesafe-config
   * stores a whole-valued {@code 1.0} as an integer, so a default written with a decimal point or
   * exponent on its line makes the key a number.
   */
  public static KeyDeclaration parse(String key, ConfigValue value, String sourceLine) {
    List<String> comments = value.origin().comments();
    StringBuilder doc = new StringBuilder();
    Range range = null;
    List<String> choices = List.of();
    Type declaredElements = null;
    for (String raw : comments) {
      String line = raw.trim();
      Matcher r = RANGE.matcher(line);
      Matcher o = ONE_OF.matcher(line);
      Matcher el = ELEMENTS.matcher(line);
      if (line.startsWith("range:") && r.find()) {
        range = new Range(parseBound(key, r.group(2)), r.group(1).equals("["),
            parseBound(key, r.group(3)), r.group(4).equals("]"));
      } else if (line.startsWith("one of:") && o.find()) {
        List<String> c = new ArrayList<>();
        for (String s : o.group(1).split(",")) {
          c.add(s.trim());
        }
        choices = List.copyOf(c);
      } else if (line.startsWith("elements:") && el.find()) {
        declaredElements = Type.valueOf(el.group(1).toUpperCase(Locale.ROOT));
      } else {
        doc.append(doc.length() == 0 ? "" : " ").append(line);
      }
    }
    boolean decimal = sourceLine != null && sourceLine.contains("=")
        && sourceLine.substring(sourceLine.indexOf('=') + 1).matches(".*[0-9][.eE].*");
    Type type = typeOf(key, value);
    Type elementType = null;
    if (type == Type.LIST) {
      List<?> list = (List<?>) value.unwrapped();
      if (list.isEmpty()) {
        if (declaredElements == null) {
          throw new IllegalStateException("declared list " + key + " needs a non-empty default "
              + "or an 'elements: <type>' comment line (then it may be empty)");
        }
        return new KeyDeclaration(key, type, declaredElements, value, range, choices,
            doc.toString());
      }
      elementType = typeOf(key, ((com.typesafe.config.ConfigList) value).get(0));
      if (elementType == Type.INTEGER && decimal) {
        elementType = Type.NUMBER;
      }
    } else if (type == Type.INTEGER && decimal) {
      type = Type.NUMBER;
    }
    return new KeyDeclaration(key, type, elementType, value, range, choices, doc.toString());
  }

  private static double parseBound(String key, String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    if (t.equals("inf") || t.equals("+inf")) {
      return Double.POSITIVE_INFINITY;
    }
    if (t.equals("-inf")) {
      return Double.NEGATIVE_INFINITY;
    }
    try {
      return Double.parseDouble(t);
    } catch (NumberFormatException e) {
      throw new IllegalStateException("bad range bound '" + s + "' in the declaration of " + key);
    }
  }

  private static Type typeOf(String key, ConfigValue v) {
    ConfigValueType t = v.valueType();
    switch (t) {
      case BOOLEAN:
        return Type.BOOLEAN;
      case NUMBER:
        Object n = v.unwrapped();
        return (n instanceof Integer || n instanceof Long) ? Type.INTEGER : Type.NUMBER;
      case STRING:
        return Type.STRING;
      case LIST:
        return Type.LIST;
      default:
        throw new IllegalStateException("key " + key + " has unsupported type " + t);
    }
  }

  /**
   * Whether this list key may be empty: declared with an empty default and an
   * {@code elements: <type>} comment line (e.g. {@code dual.sweep}, empty = no sweep).
   */
  public boolean mayBeEmpty() {
    return type == Type.LIST && ((List<?>) defaultValue.unwrapped()).isEmpty();
  }

  /** What values this key allows, for error messages and {@code --help}. */
  public String allowed() {
    Type t = type == Type.LIST ? elementType : type;
    String base = switch (t) {
      case BOOLEAN -> "true or false";
      case INTEGER -> "an integer" + (range == null ? "" : " in " + range);
      case NUMBER -> "a number" + (range == null ? "" : " in " + range);
      case STRING -> choices.isEmpty() ? "a string" : "one of " + String.join(", ", choices);
      case LIST -> "a list";
    };
    return type == Type.LIST ? (mayBeEmpty() ? "a list (may be empty) of " : "a non-empty list of ")
        + base.replaceFirst("^an? ", "") : base;
  }

  /**
   * Checks {@code value} (as resolved by typesafe-config) against this declaration.
   *
   * @throws ConfigError naming the key, the value, where it came from and what is allowed
   */
  public void validate(ConfigValue value) {
    String where = value.origin().description();
    if (type == Type.LIST) {
      if (value.valueType() != ConfigValueType.LIST
          || (((List<?>) value.unwrapped()).isEmpty() && !mayBeEmpty())) {
        throw bad(value, where);
      }
      for (ConfigValue element : (com.typesafe.config.ConfigList) value) {
        checkScalar(elementType, element, value, where);
      }
    } else {
      checkScalar(type, value, value, where);
    }
  }

  private void checkScalar(Type t, ConfigValue v, ConfigValue whole, String where) {
    Object u = v.unwrapped();
    boolean ok = switch (t) {
      case BOOLEAN -> u instanceof Boolean;
      case INTEGER -> (u instanceof Integer || u instanceof Long)
          && (range == null || range.contains(((Number) u).doubleValue()));
      case NUMBER -> u instanceof Number && Double.isFinite(((Number) u).doubleValue())
          && (range == null || range.contains(((Number) u).doubleValue()));
      case STRING -> u instanceof String && (choices.isEmpty() || choices.contains(u));
      case LIST -> false;
    };
    if (!ok) {
      throw bad(whole, where);
    }
  }

  private ConfigError bad(ConfigValue value, String where) {
    return new ConfigError(String.format(Locale.ROOT, "%s = %s is not allowed (from %s): expected %s",
        key, value.render(com.typesafe.config.ConfigRenderOptions.concise()), where, allowed()));
  }
}
