package io.dualign.vocabulary;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A {@code Stage} is one step of the pipeline (docs/stages.md), named as on the command line
 * and as its folder in the run directory. {@link #PIPELINE_ORDER} is the order {@code pipeline}
 * runs them in.
 */
public enum Stage {
  PREPARE("prepare", "Parse, validate and split the preference data; quarantine bad rows."),
  SFT("sft", "Train the reference policy π_ref on the prepared responses."),
  TRAIN_REWARD("train-reward", "Train the reward model (Bradley-Terry on better_response_id)."),
  TRAIN_COST("train-cost", "Train the cost model (safe-rlhf loss on safer_response_id)."),
  SAMPLE_REF("sample-ref", "Sample N prompts x K responses from π_ref on the executors; score them."),
  SCORE("score", "Score the prepared pairs with the reward model and every utility."),
  SOLVE_DUAL("solve-dual", "One-shot dual (MoCAN): minimise D(λ) on the reference samples."),
  ALIGN("align", "Align the policy: CAID, one-shot, DPO-helpful, DPO-safe or Safe RLHF."),
  EVALUATE("evaluate", "Sample and score every policy on held-out prompts; intervals vs π_ref."),
  SWEEP("sweep", "Threshold sweep: solve-dual, align and evaluate per b of dual.sweep; the "
      + "frontier table sweep/summary."),
  REPORT("report", "Write report/index.html with the charts and tables of the run.");

  /** The stages in the order {@code pipeline} runs them. */
  public static final List<Stage> PIPELINE_ORDER = List.of(values());

  private final String cliName;
  private final String description;

  Stage(String cliName, String description) {
    this.cliName = cliName;
    this.description = description;
  }

  /** The name used on the command line and as the stage's folder. */
  public String cliName() {
    return cliName;
  }

  public String description() {
    return description;
  }

  /** The stage with this command-line name. */
  public static Stage of(String name) {
    return Arrays.stream(values()).filter(s -> s.cliName.equals(name.toLowerCase(Locale.ROOT)))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown stage '" + name + "'"));
  }
}
