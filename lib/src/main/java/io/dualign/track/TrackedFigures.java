package io.dualign.track;

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
 * {@code sweep.b_<b>.} inside a threshold sweep. A pure function of the marker.
 */
public final class TrackedFigures {
  private static final Pattern ITERATION =
      Pattern.compile("(?:(sweep/b=[^/]+)/)?align/([a-z-]+)/iteration-(\\d+)");
  private static final Pattern TRAINING = Pattern.compile("sft|train-reward|train-cost");

  private TrackedFigures() {}

  /** The metrics of the output {@code output} committed with {@code marker}. */
  @SuppressWarnings("unchecked")
  public static List<Metric> of(String output, Map<String, Object> marker) {
    List<Metric> out = new ArrayList<>();
    long ts = timestamp(marker);
    Matcher it = ITERATION.matcher(output);
    if (it.matches()) {
      String p = prefix(it.group(1)) + it.group(2) + ".";
      long t = Long.parseLong(it.group(3));
      if (marker.get("lambda") instanceof Map<?, ?> lambda) {
        lambda.forEach((c, v) -> add(out, p + "lambda." + c, v, ts, t));
      }
      if (marker.get("estimate") instanceof List<?> est) {
        for (Object o : est) {
          Map<String, Object> e = (Map<String, Object>) o;
          String c = String.valueOf(e.get("constraint"));
          add(out, p + "u_hat." + c, e.get("slack"), ts, t);
          add(out, p + "u_hat_stderr." + c, e.get("stderr"), ts, t);
          add(out, p + "u_hat_lower95." + c, e.get("lower95"), ts, t);
          add(out, p + "u_hat_upper95." + c, e.get("upper95"), ts, t);
        }
      }
      if (marker.get("dpo") instanceof Map<?, ?> dpo) {
        for (String k : List.of("dpo_loss", "kl_pairs", "implicit_reward_accuracy",
            "mean_margin")) {
          add(out, p + k, dpo.get(k), ts, t);
        }
        add(out, p + "dpo_tokens_per_second", dpo.get("train_tokens_per_second"), ts, t);
        long offset = dpo.get("steps") instanceof Number n ? (t - 1) * n.longValue() : 0;
        history(out, p + "dpo_train_loss", p + "dpo_step_tokens_per_second",
            dpo.get("loss_history"), ts, offset);
      }
      if (marker.get("rollout") instanceof Map<?, ?> r) {
        add(out, p + "rollout_tokens_per_second", r.get("tokens_per_second"), ts, t);
      }
      return out;
    }
    String p = key(output) + ".";
    if (TRAINING.matcher(output).matches()) {
      history(out, p + "train_loss", p + "tokens_per_second", marker.get("loss_history"), ts, 0);
      for (String k : List.of("heldout_loss", "heldout_accuracy", "train_tokens_per_second")) {
        add(out, p + k, marker.get(k), ts, 0);
      }
      return out;
    }
    if (output.endsWith("solve-dual") && marker.get("lambda") instanceof Map<?, ?> lambda) {
      lambda.forEach((c, v) -> add(out, p + "lambda_star." + c, v, ts, 0));
    }
    if (output.endsWith("evaluate") && marker.get("policies") instanceof Map<?, ?> policies) {
      policies.forEach((policy, figures) -> {
        if (figures instanceof Map<?, ?> f) {
          f.forEach((k, v) -> {
            if (String.valueOf(k).startsWith("delta_") || "safety_rate".equals(k)) {
              add(out, p + policy + "." + k, v, ts, 0);
            }
          });
        }
      });
    }
    marker.forEach((k, v) -> {
      if (k.endsWith("_per_second")) {
        add(out, p + k, v, ts, 0);
      }
    });
    return out;
  }

  private static void history(List<Metric> out, String lossKey, String speedKey, Object history,
      long ts, long offset) {
    if (history instanceof List<?> l) {
      for (Object o : l) {
        Map<?, ?> h = (Map<?, ?>) o;
        if (h.get("step") instanceof Number s) {
          add(out, lossKey, h.get("loss"), ts, offset + s.longValue());
          add(out, speedKey, h.get("tokens_per_second"), ts, offset + s.longValue());
        }
      }
    }
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

  private static long timestamp(Map<String, Object> marker) {
    try {
      return Instant.parse(String.valueOf(marker.get("finished"))).toEpochMilli();
    } catch (RuntimeException e) {
      return System.currentTimeMillis();
    }
  }
}
