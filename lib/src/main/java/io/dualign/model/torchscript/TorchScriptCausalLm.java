package io.dualign.model.torchscript;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code TorchScriptCausalLm} is a causal language model exported to TorchScript
 * ({@code forward(input_ids, attention_mask) -> logits [B,T,V]}) and loaded on DJL with its tokenizer.
 *
 * <p>Java arrays go in and come out; every NDArray lives in a per-call sub-manager. Not thread-safe.
 */
public final class TorchScriptCausalLm implements AutoCloseable {
  private final TorchScriptModule module;

  private TorchScriptCausalLm(TorchScriptModule module) {
    this.module = module;
  }

  /** Opens, verifies and loads a causal-LM bundle; {@code trainable} loads it for training. */
  public static TorchScriptCausalLm load(Path bundleDir, Device device, boolean trainable) throws IOException {
    TorchScriptBundle bundle = TorchScriptBundle.open(bundleDir, ModelKind.CAUSAL_LM);
    return new TorchScriptCausalLm(TorchScriptModule.load(bundle, device, trainable));
  }

  /** The checked bundle this model came from. */
  public TorchScriptBundle bundle() {
    return module.bundle();
  }

  /** The bundle's tokenizer (EOS/PAD ids included). */
  public BundleTokenizer tokenizer() {
    return module.tokenizer();
  }

  /** The logits {@code [B][T][V]} for a batch (padding positions included; ignore them). */
  public float[][][] logits(TokenBatch batch) {
    TokenBatch in = module.conform(batch);
    try (NDManager m = module.model().getNDManager().newSubManager()) {
      NDArray logits = module.predict(m, TorchScriptModule.inputs(m, in));
      int v = checkLogits(logits, in);
      float[] flat = logits.toFloatArray();
      float[][][] out = new float[batch.size()][batch.length()][v];
      for (int b = 0; b < batch.size(); b++) {
        for (int t = 0; t < batch.length(); t++) {
          System.arraycopy(flat, (b * in.length() + t) * v, out[b][t], 0, v);
        }
      }
      return out;
    }
  }

  /**
   * The log-probability of each response given its prompt: {@code sum_j log p(response[j] | prompt, response[<j])}.
   * Rows are {@code prompt ++ response}, right-padded; response ids should end with EOS when the response is complete.
   */
  public float[] sequenceLogProbs(List<long[]> prompts, List<long[]> responses) {
    ResponseBatch rb = ResponseBatch.of(prompts, responses, tokenizer().padId());
    TokenBatch in = module.conform(rb.batch());
    try (NDManager m = module.model().getNDManager().newSubManager()) {
      NDList inputs = TorchScriptModule.inputs(m, in);
      NDArray logits = module.predict(m, inputs);
      checkLogits(logits, in);
      NDArray tokenLogps = SequenceMath.nextTokenLogProbs(logits, inputs.get(0));
      NDArray targets = SequenceMath.targetMask(inputs.get(1), m.create(rb.padTargets(in.length())));
      return tokenLogps.mul(targets).sum(new int[] {1}).toFloatArray();
    }
  }

  /** The mean next-token loss over all real tokens of a batch (no gradients): what a training step lowers. */
  public float loss(TokenBatch batch) {
    TokenBatch in = module.conform(batch);
    try (NDManager m = module.model().getNDManager().newSubManager()) {
      NDList inputs = TorchScriptModule.inputs(m, in);
      NDArray logits = module.predict(m, inputs);
      checkLogits(logits, in);
      return new NextTokenLoss().evaluate(new NDList(inputs.get(0), inputs.get(1), inputs.get(1)),
          new NDList(logits)).getFloat();
    }
  }

  /** A trainer updating this model's parameters in place; the model must have been loaded trainable. */
  public TorchScriptTrainer newTrainer(TorchScriptTrainingOptions options) {
    if (!module.trainable()) {
      throw new IllegalStateException("TorchScript model " + bundle().modelPath()
          + " was loaded for inference; load it with trainable=true to train");
    }
    return new TorchScriptTrainer(module, options);
  }

  private int checkLogits(NDArray logits, TokenBatch in) {
    long[] s = logits.getShape().getShape();
    int v = bundle().manifest().vocabSize();
    if (s.length != 3 || s[0] != in.size() || s[1] != in.length() || s[2] != v) {
      throw new IllegalStateException("TorchScript causal LM " + bundle().modelPath() + " returned shape "
          + logits.getShape() + ", expected (" + in.size() + ", " + in.length() + ", " + v + ")");
    }
    return v;
  }

  @Override
  public void close() {
    module.close();
  }

  /** Prompt ++ response rows, right-padded, with the positions of the response tokens. */
  record ResponseBatch(TokenBatch batch, long[][] targets) {
    static ResponseBatch of(List<long[]> prompts, List<long[]> responses, long padId) {
      if (prompts.size() != responses.size()) {
        throw new IllegalArgumentException(prompts.size() + " prompts but " + responses.size() + " responses");
      }
      List<long[]> rows = new ArrayList<>(prompts.size());
      for (int b = 0; b < prompts.size(); b++) {
        long[] p = prompts.get(b);
        long[] r = responses.get(b);
        if (p.length == 0 || r.length == 0) {
          throw new IllegalArgumentException("row " + b + " has an empty " + (p.length == 0 ? "prompt" : "response")
              + "; a response log-probability needs at least one prompt token (e.g. BOS) and one response token");
        }
        long[] row = java.util.Arrays.copyOf(p, p.length + r.length);
        System.arraycopy(r, 0, row, p.length, r.length);
        rows.add(row);
      }
      TokenBatch batch = TokenBatch.rightPadded(rows, padId, 0);
      long[][] targets = new long[rows.size()][batch.length()];
      for (int b = 0; b < rows.size(); b++) {
        java.util.Arrays.fill(targets[b], prompts.get(b).length, rows.get(b).length, 1L);
      }
      return new ResponseBatch(batch, targets);
    }

    long[][] padTargets(int t) {
      long[][] out = new long[targets.length][t];
      for (int b = 0; b < targets.length; b++) {
        System.arraycopy(targets[b], 0, out[b], 0, targets[b].length);
      }
      return out;
    }
  }
}
