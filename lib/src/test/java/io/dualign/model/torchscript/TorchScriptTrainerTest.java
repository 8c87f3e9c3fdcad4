package io.dualign.model.torchscript;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.dualign.model.TokenBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;

class TorchScriptTrainerTest {

  /** The options of the step recorded in reference.json (DJL's AdamW rule, global-norm clipping). */
  private static TorchScriptTrainingOptions recordedOptions() {
    return new TorchScriptTrainingOptions(
        (float) Reference.number("train_step", "learning_rate"),
        (float) Reference.number("train_step", "weight_decay"),
        (float) Reference.number("train_step", "beta1"),
        (float) Reference.number("train_step", "beta2"),
        (float) Reference.number("train_step", "epsilon"),
        (float) Reference.number("train_step", "max_grad_norm"),
        0, 0);
  }

  @Test
  void oneStepLowersTheLossAsPythonDid() throws Exception {
    TokenBatch batch = Reference.rightBatch();
    try (TorchScriptCausalLm lm = TorchScriptCausalLm.load(Reference.POLICY, Device.cpu(), true);
        TorchScriptTrainer trainer = lm.newTrainer(recordedOptions())) {
      float before = lm.loss(batch);
      TrainStep step = trainer.step(batch);
      float after = lm.loss(batch);
      double wantNorm = Reference.number("train_step", "grad_norm");
      double wantAfter = Reference.number("train_step", "loss_after");
      System.out.printf("train step: %d tensors, loss %.6f -> %.6f (Python %.6f -> %.6f), grad norm %.6f (Python %.6f),"
              + " %d tokens, %.3f s%n", trainer.parameterTensors(), before, after,
          Reference.number("train_step", "loss_before"), wantAfter, step.gradNorm(), wantNorm, step.tokens(),
          step.seconds());
      assertEquals((int) Reference.number("train_step", "parameter_tensors"), trainer.parameterTensors());
      assertEquals(Reference.number("train_step", "loss_before"), step.loss(), 1e-5);
      assertEquals(before, step.loss(), 1e-6);
      assertEquals(wantNorm, step.gradNorm(), 1e-5);
      assertTrue(after < before - 0.1, "loss " + before + " -> " + after);
      assertEquals(wantAfter, after, 1e-4);
    }
  }

  @Test
  void responseOnlyLossMaskTrainsOnlyOnMarkedTokens() throws Exception {
    TokenBatch batch = Reference.rightBatch();
    long[][] mask = new long[batch.rows()][batch.cols()];
    var prompts = Reference.rows("prompt_ids");
    var responses = Reference.rows("response_ids");
    long expectedTokens = 0;
    for (int b = 0; b < batch.rows(); b++) {
      int p = prompts.get(b).length;
      int r = responses.get(b).length;
      java.util.Arrays.fill(mask[b], p, p + r, 1L);
      expectedTokens += r;
    }
    try (TorchScriptCausalLm lm = TorchScriptCausalLm.load(Reference.POLICY, Device.cpu(), true);
        TorchScriptTrainer trainer = lm.newTrainer(TorchScriptTrainingOptions.constant(1e-2f))) {
      float[] before = lm.sequenceLogProbs(prompts, responses);
      TrainStep first = trainer.step(batch, mask);
      TrainStep second = trainer.step(batch, mask);
      float[] after = lm.sequenceLogProbs(prompts, responses);
      assertEquals(expectedTokens, first.tokens());
      // the loss is the mean response NLL: minus the summed response log-probs over the response tokens
      double sum = 0;
      for (float v : before) {
        sum += v;
      }
      assertEquals(-sum / expectedTokens, first.loss(), 1e-4);
      assertTrue(second.loss() < first.loss(), first.loss() + " -> " + second.loss());
      for (int b = 0; b < before.length; b++) {
        assertTrue(after[b] > before[b], "row " + b + ": " + before[b] + " -> " + after[b]);
      }
    }
  }

  /** Training before any inference forward, then inference: the order that needs the graph optimizer off. */
  @Test
  void trainedWeightsSaveToABundleThatReloadsWithIdenticalOutputs(@TempDir Path tmp) throws Exception {
    TokenBatch batch = Reference.rightBatch();
    Path saved = tmp.resolve("trained");
    float[][][] trained;
    try (TorchScriptCausalLm lm = TorchScriptCausalLm.load(Reference.POLICY, Device.cpu(), true);
        TorchScriptTrainer trainer = lm.newTrainer(TorchScriptTrainingOptions.constant(1e-2f))) {
      trainer.step(batch);
      trained = lm.logits(batch);
      long start = System.nanoTime();
      TorchScriptBundle b = lm.save(saved, "TorchScriptTrainerTest: one step from the fixture");
      System.out.printf("saved trained bundle (%d bytes) in %.3f s%n", Files.size(b.modelPath()),
          (System.nanoTime() - start) / 1e9);
      assertNotEquals(lm.bundle().manifest().modelSha256(), b.manifest().modelSha256());
      assertEquals(FileDigest.sha256(b.modelPath()), b.manifest().modelSha256());
    }
    try (TorchScriptCausalLm reloaded = TorchScriptCausalLm.load(saved, Device.cpu(), false)) {
      float[][][] again = reloaded.logits(batch);
      double max = 0;
      for (int b = 0; b < again.length; b++) {
        for (int t = 0; t < again[b].length; t++) {
          max = Math.max(max, Reference.maxAbsDiff(trained[b][t], again[b][t]));
        }
      }
      assertEquals(0.0, max, "trained vs reloaded logits");
      float fixtureLoss;
      try (TorchScriptCausalLm original = TorchScriptCausalLm.load(Reference.POLICY, Device.cpu(), false)) {
        fixtureLoss = original.loss(batch);
      }
      assertTrue(reloaded.loss(batch) < fixtureLoss, "the saved weights are the trained ones");
    }
  }

  @Test
  void scheduleWarmsUpThenDecays() {
    var t = TorchScriptTrainer.schedule(new TorchScriptTrainingOptions(1f, 0f, 0.9f, 0.999f, 1e-8f, 1f, 10, 100));
    assertEquals(0.1f, t.getNewValue(1), 1e-6);
    assertEquals(1.0f, t.getNewValue(10), 1e-6);
    assertTrue(t.getNewValue(60) < 1.0f && t.getNewValue(60) > 0.0f);
    assertEquals(0.0f, t.getNewValue(110), 1e-6);
  }
}
