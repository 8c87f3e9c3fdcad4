package io.dualign.report;

import java.util.List;

/** An {@code Html} is the report page being built: a string builder with escaping helpers. */
final class Html {
  private final StringBuilder sb = new StringBuilder();

  /** Escapes text for HTML element content and attribute values. */
  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder o = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> o.append("&lt;");
        case '>' -> o.append("&gt;");
        case '&' -> o.append("&amp;");
        case '"' -> o.append("&quot;");
        case '\'' -> o.append("&#39;");
        default -> o.append(c);
      }
    }
    return o.toString();
  }

  void begin(String title) {
    sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
        .append(esc(title)).append("</title>\n<style>")
        .append("body{font-family:sans-serif;margin:2em;max-width:1200px;color:#222}")
        .append("table{border-collapse:collapse;margin:1em 0;font-size:13px}")
        .append("td,th{border:1px solid #bbb;padding:3px 6px;vertical-align:top}")
        .append("th{background:#eef}figure{margin:1em 0}figcaption{font-size:13px;color:#444}")
        .append(".omitted{color:#a40;font-style:italic}.cat{font-size:13px;color:#666}")
        .append("pre{white-space:pre-wrap;background:#f6f6f6;padding:6px}")
        .append("</style></head><body>\n<h1>").append(esc(title)).append("</h1>\n");
  }

  void h2(String text) {
    sb.append("<h2>").append(esc(text)).append("</h2>\n");
  }

  /** A paragraph of trusted (already escaped) HTML. */
  void para(String trustedHtml) {
    sb.append("<p>").append(trustedHtml).append("</p>\n");
  }

  void raw(String trustedHtml) {
    sb.append(trustedHtml).append('\n');
  }

  void figure(String src, String caption) {
    sb.append("<figure><img src=\"").append(esc(src)).append("\" alt=\"").append(esc(caption))
        .append("\" width=\"").append(Charts.WIDTH).append("\" height=\"").append(Charts.HEIGHT)
        .append("\"><figcaption>").append(esc(caption)).append("</figcaption></figure>\n");
  }

  /** A table of plain-text cells (escaped here). */
  void table(List<String> head, List<List<String>> rows) {
    sb.append("<table><tr>");
    for (String h : head) {
      sb.append("<th>").append(esc(h)).append("</th>");
    }
    sb.append("</tr>\n");
    for (List<String> r : rows) {
      sb.append("<tr>");
      for (String c : r) {
        sb.append("<td>").append(esc(c)).append("</td>");
      }
      sb.append("</tr>\n");
    }
    sb.append("</table>\n");
  }

  void end() {
    sb.append("</body></html>\n");
  }

  @Override
  public String toString() {
    return sb.toString();
  }
}
