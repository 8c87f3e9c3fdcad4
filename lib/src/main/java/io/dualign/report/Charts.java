package io.dualign.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BoxAndWhiskerRenderer;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.statistics.DefaultBoxAndWhiskerCategoryDataset;
import org.jfree.data.xy.XYIntervalSeries;
import org.jfree.data.xy.XYIntervalSeriesCollection;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * {@code Charts} draws the report's charts with JFreeChart and encodes them as PNG bytes. Each
 * method takes plain values (no I/O), so a chart is a pure function of its inputs.
 */
public final class Charts {
  public static final int WIDTH = 760;
  public static final int HEIGHT = 440;

  static {
    System.setProperty("java.awt.headless", "true");
  }

  private Charts() {}

  /** A point with a vertical 95% interval (NaN bounds draw no bar). */
  public record Point(double x, double y, double lower, double upper) {}

  /** A point with horizontal and vertical 95% intervals. */
  public record Point2(String label, double x, double xLower, double xUpper, double y,
      double yLower, double yUpper) {}

  /**
   * The dual trajectory: λ per iteration (top) and the slack û with its 95% interval (bottom),
   * one series per constraint, with the line û = 0.
   */
  public static byte[] dualTrajectory(Map<String, List<Point>> lambda,
      Map<String, List<Point>> slack) {
    NumberAxis iterations = new NumberAxis("iteration");
    iterations.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    CombinedDomainXYPlot plot = new CombinedDomainXYPlot(iterations);
    plot.add(intervalPlot(lambda, "λ", null), 1);
    plot.add(intervalPlot(slack, "û (slack)", 0.0), 1);
    JFreeChart chart = new JFreeChart("Multipliers and constraint slack per iteration",
        JFreeChart.DEFAULT_TITLE_FONT, plot, true);
    return png(chart);
  }

  /**
   * Achieved Δ (vs π_ref) against the threshold b, one series per method, with the line y = b
   * (the paper's Fig. 1a).
   */
  public static byte[] deltaVsThreshold(String utility, Map<String, List<Point>> byMethod) {
    XYIntervalSeriesCollection data = new XYIntervalSeriesCollection();
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (Map.Entry<String, List<Point>> e : byMethod.entrySet()) {
      XYIntervalSeries s = new XYIntervalSeries(e.getKey());
      for (Point p : e.getValue()) {
        s.add(p.x(), p.x(), p.x(), p.y(), orY(p.lower(), p.y()), orY(p.upper(), p.y()));
        lo = Math.min(lo, p.x());
        hi = Math.max(hi, p.x());
      }
      data.addSeries(s);
    }
    JFreeChart chart = ChartFactory.createXYLineChart("Achieved Δ " + utility + " vs threshold b",
        "threshold b", "Δ " + utility + " vs π_ref (95% CI)", data, PlotOrientation.VERTICAL, true,
        false, false);
    XYPlot plot = chart.getXYPlot();
    XYErrorRenderer r = new XYErrorRenderer();
    r.setDefaultLinesVisible(true);
    plot.setRenderer(0, r);
    double pad = Math.max(0.5, (hi - lo) * 0.1);
    XYSeries line = new XYSeries("y = b");
    line.add(lo - pad, lo - pad);
    line.add(hi + pad, hi + pad);
    plot.setDataset(1, new XYSeriesCollection(line));
    XYLineAndShapeRenderer lr = new XYLineAndShapeRenderer(true, false);
    lr.setSeriesPaint(0, Color.GRAY);
    lr.setSeriesStroke(0, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
        new float[] {6f, 4f}, 0f));
    plot.setRenderer(1, lr);
    style(plot);
    return png(chart);
  }

  /** The helpfulness–safety frontier: Δ reward against Δ utility per policy (the paper's Fig. 1b). */
  public static byte[] frontier(String utility, List<Point2> policies) {
    XYIntervalSeriesCollection data = new XYIntervalSeriesCollection();
    for (Point2 p : policies) {
      XYIntervalSeries s = new XYIntervalSeries(p.label());
      s.add(p.x(), orY(p.xLower(), p.x()), orY(p.xUpper(), p.x()), p.y(),
          orY(p.yLower(), p.y()), orY(p.yUpper(), p.y()));
      data.addSeries(s);
    }
    JFreeChart chart = ChartFactory.createScatterPlot("Helpfulness–" + utility + " frontier",
        "Δ " + utility + " vs π_ref (95% CI)", "Δ reward vs π_ref (95% CI)", data,
        PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    XYErrorRenderer r = new XYErrorRenderer();
    r.setDrawXError(true);
    r.setDrawYError(true);
    r.setDefaultLinesVisible(false);
    plot.setRenderer(r);
    style(plot);
    return png(chart);
  }

  /**
   * The helpfulness–safety frontier across a threshold sweep (the paper's Fig. 1b): one series per
   * method, its points (one per b, labelled with their {@code label}, e.g. "b = 0.5") joined in
   * the given order, with both 95% intervals; π_ref, when given, is its own series.
   */
  public static byte[] frontierSweep(String utility, Map<String, List<Point2>> byMethod,
      Point2 reference) {
    XYIntervalSeriesCollection data = new XYIntervalSeriesCollection();
    List<Point2> all = new java.util.ArrayList<>();
    for (Map.Entry<String, List<Point2>> e : byMethod.entrySet()) {
      XYIntervalSeries s = new XYIntervalSeries(e.getKey(), false, true);
      for (Point2 p : e.getValue()) {
        s.add(p.x(), orY(p.xLower(), p.x()), orY(p.xUpper(), p.x()), p.y(),
            orY(p.yLower(), p.y()), orY(p.yUpper(), p.y()));
        all.add(p);
      }
      data.addSeries(s);
    }
    if (reference != null) {
      XYIntervalSeries s = new XYIntervalSeries(reference.label());
      s.add(reference.x(), reference.x(), reference.x(), reference.y(), reference.y(),
          reference.y());
      data.addSeries(s);
    }
    JFreeChart chart = ChartFactory.createXYLineChart("Helpfulness–" + utility
        + " frontier across the threshold sweep", "Δ " + utility + " vs π_ref (95% CI)",
        "Δ reward vs π_ref (95% CI)", data, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    XYErrorRenderer r = new XYErrorRenderer();
    r.setDrawXError(true);
    r.setDrawYError(true);
    r.setDefaultLinesVisible(true);
    if (reference != null) {
      r.setSeriesLinesVisible(data.getSeriesCount() - 1, false);
    }
    plot.setRenderer(r);
    for (Point2 p : all) {
      org.jfree.chart.annotations.XYTextAnnotation a =
          new org.jfree.chart.annotations.XYTextAnnotation(p.label(), p.x(), p.y());
      a.setTextAnchor(org.jfree.chart.ui.TextAnchor.BOTTOM_LEFT);
      plot.addAnnotation(a);
    }
    style(plot);
    return png(chart);
  }

  /** Box plots of one score per policy (the paper's Fig. 1c shows its distributions). */
  public static byte[] distributions(String score, Map<String, List<Double>> byPolicy) {
    DefaultBoxAndWhiskerCategoryDataset data = new DefaultBoxAndWhiskerCategoryDataset();
    for (Map.Entry<String, List<Double>> e : byPolicy.entrySet()) {
      data.add(e.getValue(), score, e.getKey());
    }
    JFreeChart chart = ChartFactory.createBoxAndWhiskerChart("Distribution of " + score
        + " per policy", "policy", score, data, false);
    BoxAndWhiskerRenderer r = (BoxAndWhiskerRenderer) chart.getCategoryPlot().getRenderer();
    r.setMeanVisible(false);
    r.setMaximumBarWidth(0.08);
    r.setMaxOutlierVisible(true);
    r.setMinOutlierVisible(true);
    r.setSeriesPaint(0, new Color(70, 130, 180));
    chart.getCategoryPlot().setBackgroundPaint(Color.WHITE);
    chart.getCategoryPlot().setRangeGridlinePaint(Color.LIGHT_GRAY);
    return png(chart);
  }

  private static XYPlot intervalPlot(Map<String, List<Point>> series, String label, Double zero) {
    XYIntervalSeriesCollection data = new XYIntervalSeriesCollection();
    for (Map.Entry<String, List<Point>> e : series.entrySet()) {
      XYIntervalSeries s = new XYIntervalSeries(label + " " + e.getKey());
      for (Point p : e.getValue()) {
        s.add(p.x(), p.x(), p.x(), p.y(), orY(p.lower(), p.y()), orY(p.upper(), p.y()));
      }
      data.addSeries(s);
    }
    XYErrorRenderer r = new XYErrorRenderer();
    r.setDefaultLinesVisible(true);
    NumberAxis axis = new NumberAxis(label);
    axis.setAutoRangeIncludesZero(zero != null);
    XYPlot plot = new XYPlot(data, null, axis, r);
    if (zero != null) {
      plot.addRangeMarker(new org.jfree.chart.plot.ValueMarker(zero, Color.GRAY,
          new BasicStroke(1.2f)));
    }
    style(plot);
    return plot;
  }

  private static void style(XYPlot plot) {
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
  }

  private static double orY(double bound, double y) {
    return Double.isFinite(bound) ? bound : y;
  }

  static byte[] png(JFreeChart chart) {
    chart.setBackgroundPaint(Color.WHITE);
    BufferedImage img = chart.createBufferedImage(WIDTH, HEIGHT);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ChartUtils.writeBufferedImageAsPNG(out, img);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode chart '" + chart.getTitle().getText() + "'",
          e);
    }
    return out.toByteArray();
  }
}
