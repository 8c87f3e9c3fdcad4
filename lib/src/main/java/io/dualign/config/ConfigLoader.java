package io.dualign.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.io.File;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@code ConfigLoader} resolves the configuration of one invocation: the declarations in
 * {@code conf/dualign.conf}, then a profile from {@code conf/profiles/}, then an optional user file,
 * then {@code --set key=value} overrides, each layer overriding the one before. Every key of every
 * layer must be declared, and every resolved value must satisfy its declaration.
 */
public final class ConfigLoader {
  /** Classpath folder holding {@code dualign.conf} and {@code profiles/} (copied from conf/). */
  public static final String RESOURCE_DIR = "dualign-conf/";
  public static final String DEFAULT_PROFILE = "default";

  private final Map<String, KeyDeclaration> declarations;
  private final Config reference;

  private ConfigLoader(Config reference, List<String> sourceLines) {
    this.reference = reference;
    Map<String, KeyDeclaration> d = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> e : reference.entrySet()) {
      int line = e.getValue().origin().lineNumber();
      String source = line >= 1 && line <= sourceLines.size() ? sourceLines.get(line - 1) : null;
      d.put(e.getKey(), KeyDeclaration.parse(e.getKey(), e.getValue(), source));
    }
    this.declarations = java.util.Collections.unmodifiableMap(d);
  }

  /** A loader over the declarations shipped on the classpath. */
  public static ConfigLoader fromClasspath() {
    ConfigParseOptions opts = ConfigParseOptions.defaults()
        .setSyntax(ConfigSyntax.CONF).setAllowMissing(false);
    Config ref = ConfigFactory.parseResources(
        ConfigLoader.class.getClassLoader(), RESOURCE_DIR + "dualign.conf", opts);
    List<String> lines;
    try (java.io.InputStream in = ConfigLoader.class.getClassLoader()
        .getResourceAsStream(RESOURCE_DIR + "dualign.conf")) {
      lines = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines()
          .toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot read " + RESOURCE_DIR + "dualign.conf", e);
    }
    return new ConfigLoader(ref, lines);
  }

  /** Every declared key, sorted by name. */
  public Map<String, KeyDeclaration> declarations() {
    return declarations;
  }

  /**
   * The comment above each section of {@code conf/dualign.conf} (e.g. {@code data},
   * {@code dual.oneShot}), by path, in the order the sections appear in the file; a section
   * without a comment maps to "".
   */
  public Map<String, String> sectionDocs() {
    Map<String, com.typesafe.config.ConfigObject> sections = new TreeMap<>();
    collectSections("", reference.root(), sections);
    Map<String, String> docs = new LinkedHashMap<>();
    sections.entrySet().stream()
        .sorted(Comparator.comparingInt(e -> e.getValue().origin().lineNumber()))
        .forEach(e -> docs.put(e.getKey(), String.join(" ", e.getValue().origin().comments()
            .stream().map(String::trim).toList())));
    return docs;
  }

  private static void collectSections(String prefix, com.typesafe.config.ConfigObject object,
      Map<String, com.typesafe.config.ConfigObject> into) {
    for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
      if (e.getValue() instanceof com.typesafe.config.ConfigObject child) {
        String path = prefix + e.getKey();
        into.put(path, child);
        collectSections(path + ".", child, into);
      }
    }
  }

  /**
   * The keys a profile of {@code conf/profiles/} sets, with their values, sorted by key.
   *
   * @throws ConfigError when there is no such profile or it sets an undeclared key
   */
  public Map<String, ConfigValue> profileValues(String profile) {
    Map<String, ConfigValue> values = new TreeMap<>();
    parseProfile(profile).entrySet().forEach(e -> values.put(e.getKey(), e.getValue()));
    return values;
  }

  /** The defaults alone ({@code default} profile, no file, no overrides). */
  public DualignConfig defaults() {
    return load(DEFAULT_PROFILE, null, List.of());
  }

  /**
   * Resolves and validates one configuration.
   *
   * @param profile name of a profile in {@code conf/profiles/}
   * @param userFile optional HOCON file overriding the profile (may be null)
   * @param overrides {@code key=value} strings, applied last, in order
   * @throws ConfigError on any unknown key, bad value or missing file
   */
  public DualignConfig load(String profile, File userFile, List<String> overrides) {
    Config profileConf = parseProfile(profile);
    Config fileConf = ConfigFactory.empty();
    if (userFile != null) {
      if (!userFile.isFile()) {
        throw new ConfigError("--config " + userFile + ": no such file");
      }
      try {
        fileConf = ConfigFactory.parseFile(userFile,
            ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false));
      } catch (ConfigException e) {
        throw new ConfigError("--config " + userFile + ": " + e.getMessage(), e);
      }
      checkKnown(fileConf, "--config " + userFile);
    }
    Config setConf = ConfigFactory.empty();
    for (String o : overrides) {
      int eq = o.indexOf('=');
      if (eq <= 0) {
        throw new ConfigError("--set " + o + ": expected key=value");
      }
      String key = o.substring(0, eq).trim();
      String raw = o.substring(eq + 1).trim();
      KeyDeclaration decl = declaration(key, "--set");
      setConf = setConf.withValue(key, parseOverride(decl, raw, "--set " + o));
    }
    Config resolved;
    try {
      resolved = setConf.withFallback(fileConf).withFallback(profileConf).withFallback(reference)
          .resolve();
    } catch (ConfigException e) {
      throw new ConfigError(e.getMessage(), e);
    }
    for (KeyDeclaration decl : declarations.values()) {
      ConfigValue v;
      try {
        v = resolved.getValue(decl.key());
      } catch (ConfigException e) {
        throw new ConfigError(decl.key() + " is missing or not a value: " + e.getMessage(), e);
      }
      decl.validate(v);
    }
    return new DualignConfig(profile, ConfigLocations.expandHome(resolved), declarations);
  }

  private Config parseProfile(String profile) {
    if (profile == null || !profile.matches("[A-Za-z0-9_-]+")) {
      throw new ConfigError("--profile " + profile + " is not allowed: expected one of "
          + String.join(", ", Profiles.names()));
    }
    String res = RESOURCE_DIR + "profiles/" + profile + ".conf";
    if (ConfigLoader.class.getClassLoader().getResource(res) == null) {
      throw new ConfigError("--profile " + profile + " is not allowed: expected one of "
          + String.join(", ", Profiles.names()));
    }
    Config c = ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), res,
        ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false));
    checkKnown(c, "profile " + profile);
    return c;
  }

  private void checkKnown(Config c, String source) {
    for (String key : c.entrySet().stream().map(Map.Entry::getKey).sorted().toList()) {
      declaration(key, source);
    }
  }

  private KeyDeclaration declaration(String key, String source) {
    KeyDeclaration d = declarations.get(key);
    if (d == null) {
      String near = nearest(key);
      throw new ConfigError("unknown configuration key '" + key + "' (from " + source + ")"
          + (near == null ? "" : "; did you mean '" + near + "'?")
          + "; every key is declared in conf/dualign.conf");
    }
    return d;
  }

  private static ConfigValue parseOverride(KeyDeclaration decl, String raw, String origin) {
    Object value;
    if (decl.type() == KeyDeclaration.Type.LIST) {
      String body = raw.startsWith("[") && raw.endsWith("]") ? raw.substring(1, raw.length() - 1)
          : raw;
      List<Object> items = new ArrayList<>();
      for (String part : body.split(",")) {
        if (!part.isBlank()) {
          items.add(scalar(decl, decl.elementType(), part.trim(), raw));
        }
      }
      value = items;
    } else {
      value = scalar(decl, decl.type(), raw, raw);
    }
    return ConfigValueFactory.fromAnyRef(value, origin);
  }

  private static Object scalar(KeyDeclaration decl, KeyDeclaration.Type type, String s,
      String whole) {
    try {
      return switch (type) {
        case BOOLEAN -> {
          String l = s.toLowerCase(Locale.ROOT);
          if (!l.equals("true") && !l.equals("false")) {
            throw new NumberFormatException();
          }
          yield Boolean.parseBoolean(l);
        }
        case INTEGER -> Long.parseLong(s);
        case NUMBER -> Double.parseDouble(s);
        case STRING -> unquote(s);
        case LIST -> throw new NumberFormatException();
      };
    } catch (NumberFormatException e) {
      throw new ConfigError(String.format(Locale.ROOT,
          "%s = %s is not allowed (from --set): expected %s", decl.key(), whole, decl.allowed()));
    }
  }

  private static String unquote(String s) {
    if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
      return s.substring(1, s.length() - 1);
    }
    return s;
  }

  private String nearest(String key) {
    return declarations.keySet().stream()
        .min(Comparator.comparingInt(k -> editDistance(k, key)))
        .filter(k -> editDistance(k, key) <= Math.max(2, key.length() / 3))
        .orElse(null);
  }

  static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  /** Declared keys with their documentation, for {@code --help}-style listings. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    Map<String, KeyDeclaration> ordered = new LinkedHashMap<>(declarations);
    for (KeyDeclaration d : ordered.values()) {
      sb.append(String.format(Locale.ROOT, "%-40s default %s; %s%n    %s%n", d.key(),
          d.defaultValue().render(com.typesafe.config.ConfigRenderOptions.concise()),
          d.allowed(), d.doc()));
    }
    return sb.toString();
  }
}
