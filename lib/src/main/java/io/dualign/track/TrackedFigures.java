package io.dualign.track;

import io.dualign.run.marker.AlignIterationMarker;
import io.dualign.run.marker.EvaluateMarker;
import io.dualign.run.marker.LossWindow;
import io.dualign.run.marker.PolicyFigures;
import io.dualign.run.marker.SampleRefMarker;
import io.dualign.run.marker.ScoreMarker;
import io.dualign.run.marker.SlackFigures;
import io.dualign.run.marker.SolveDualMarker;
import io.dualign.run.marker.StageMarker;
import io.dualign.run.marker.TrainingMarker;
import io.dualign.track.MlflowClient.Metric;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code TrackedFigures} are the metrics a committed output's marker gives a tracker: per step,
 * the training loss and tokens/s of the training stages and of each DPO epoch; per iteration of
 * an align method, λ, û with its stderr and 95% bounds, the DPO loss, {@code kl_pairs}, the
 * implicit reward accuracy and the rollout's tokens/s; λ* of solve-dual; the tokens/s and rows/s
 * of every other stage; each evaluated policy's deltas. Keys are {@code <output>.<figure>} with
 * dots for slashes ({@code caid.lambda.safety}, {@code sft.train_loss}), prefixed by
 * {@code sweep.b_<b>.} inside a threshold sweep. A pure function of the marker's record.
 */
public final class TrackedFigures {
  private static final Pattern ITERATION =
      Pattern.compile("(?:(sweep/b=[^/]+)/)?align/([a-z-]+)/iteration-(\\d+)");

  private TrackedFigures() {}

  /** The metrics of the output {@code output} committed with {@code marker}. */
  public static List<Metric> of(String output, StageMarker marker) {
    List<Metric> out = new ArrayList<>();
    long ts = timestamp(marker);
    Matcher it = ITERATION.matcher(output);
    if (it.matches() && marker instanceof AlignIterationMarker m) {
      String p = prefix(it.group(1)) + it.group(2) + ".";
      long t = Long.parseLong(it.group(3));
      if (m.lambda() != null) {
        m.lambda().forEach((c, v) -> add(out, p + "lambda." + c, v, ts, t));
      }
      if (m.estimate() != null) {
        for (SlackFigures e : m.estimate()) {
          String c = e.constraint();
          add(out, p + "u_hat." + c, e.slack(), ts, t);
          add(out, p + "u_hat_stderr." + c, e.stderr(), ts, t);
          add(out, p + "u_hat_lower95." + c, e.lower95(), ts, t);
          add(out, p + "u_hat_upper95." + c, e.upper95(), ts, t);
        }
      }
      if (m.dpo() != null) { // the DPO epoch's figures: a map the record keeps as written
        Map<String, Object> dpo = m.dpo();
        for (String k : List.of("dpo_loss", "kl_pairs", "implicit_reward_accuracy",
            "mean_margin")) {
          add(out, p + k, dpo.get(k), ts, t);
        }
        add(out, p + "dpo_tokens_per_second", dpo.get("train_tokens_per_second"), ts, t);
        long offset = dpo.get("steps") instanceof Number n ? (t - 1) * n.longValue() : 0;
        if (dpo.get("loss_history") instanceof List<?> history) {
          for (Object o : history) {
            if (o instanceof Map<?, ?> h && h.get("step") instanceof Number s) {
              add(out, p + "dpo_train_loss", h.get("loss"), ts, offset + s.longValue());
              add(out, p + "dpo_step_tokens_per_second", h.get("tokens_per_second"), ts,
                  offset + s.longValue());
            }
          }
        }
      }
      if (m.rollout() != null) {
        add(out, p + "rollout_tokens_per_second", m.rollout().tokensPerSecond(), ts, t);
      }
      return out;
    }
    String p = key(output) + ".";
    if (marker instanceof TrainingMarker m) {
      if (m.lossHistory() != null) {
        for (LossWindow h : m.lossHistory()) {
          add(out, p + "train_loss", h.loss(), ts, h.step());
          add(out, p + "tokens_per_second", h.tokensPerSecond(), ts, h.step());
        }
      }
      add(out, p + "heldout_loss", m.heldoutLoss(), ts, 0);
      add(out, p + "heldout_accuracy", m.heldoutAccuracy(), ts, 0);
      add(out, p + "train_tokens_per_second", m.trainTokensPerSecond(), ts, 0);
      return out;
    }
    if (marker instanceof SolveDualMarker m && m.lambda() != null) {
      m.lambda().forEach((c, v) -> add(out, p + "lambda_star." + c, v, ts, 0));
    }
    if (marker instanceof EvaluateMarker m && m.policies() != null) {
      m.policies().forEach((policy, f) -> deltas(out, p + policy + ".", f, ts));
    }
    if (marker instanceof SampleRefMarker m) {
      add(out, p + "rows_per_second", m.rowsPerSecond(), ts, 0);
      add(out, p + "tokens_per_second", m.tokensPerSecond(), ts, 0);
    }
    if (marker instanceof ScoreMarker m) {
      add(out, p + "pairs_per_second", m.pairsPerSecond(), ts, 0);
      add(out, p + "responses_per_second", m.responsesPerSecond(), ts, 0);
    }
    marker.other().forEach((k, v) -> {
      if (k.endsWith("_per_second")) { // a throughput a newer dualign records
        add(out, p + k, v, ts, 0);
      }
    });
    return out;
  }

  /** An evaluated policy's Δ figures (each bound of each) and its safety rate. */
  private static void deltas(List<Metric> out, String p, PolicyFigures f, long ts) {
    add(out, p + "delta_reward", f.deltaReward(), ts, 0);
    add(out, p + "delta_reward_lower95", f.deltaRewardLower95(), ts, 0);
    add(out, p + "delta_reward_upper95", f.deltaRewardUpper95(), ts, 0);
    add(out, p + "safety_rate", f.safetyRate(), ts, 0);
    add(out, p + "delta_gold_reward", f.deltaGoldReward(), ts, 0);
    add(out, p + "delta_gold_cost", f.deltaGoldCost(), ts, 0);
    add(out, p + "delta_gold_cost_lower95", f.deltaGoldCostLower95(), ts, 0);
    add(out, p + "delta_gold_cost_upper95", f.deltaGoldCostUpper95(), ts, 0);
    f.other().forEach((k, v) -> {
      if (k.startsWith("delta_")) { // per utility: delta_utility_<name> and its bounds
        add(out, p + k, v, ts, 0);
      }
    });
  }

  private static void add(List<Metric> out, String key, Object v, long ts, long step) {
    if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
      out.add(new Metric(sanitize(key), n.doubleValue(), ts, step));
    }
  }

  private static String prefix(String sweep) {
    return sweep == null ? "" : key(sweep) + ".";
  }

  /** An output name as a metric key prefix: dots for slashes, {@code b_0.5} for {@code b=0.5}. */
  static String key(String output) {
    return sanitize(output.replace('/', '.').replace('=', '_'));
  }

  /** A name MLflow accepts as a key (letters, digits, {@code _ - . / space}). */
  static String sanitize(String key) {
    return key.replaceAll("[^A-Za-z0-9_\\-./ ]", "_");
  }

  private static long timestamp(StageMarker marker) {
    try {
      return Instant.parse(String.valueOf(marker.finished())).toEpochMilli();
    } catch (RuntimeException e) {
      return System.currentTimeMillis();
    }
  }
}
