package io.dualign.model.torchscript;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.dualign.model.TokenBatch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@code TorchScriptCausalLm} is a causal language model exported to TorchScript
 * ({@code forward(input_ids, attention_mask) -> logits [B,T,V]}) and loaded on DJL with its tokenizer.
 *
 * <p>Java arrays go in and come out; every NDArray lives in a per-call sub-manager. Not thread-safe.
 * As a {@link io.dualign.model.CausalLm} it also serves the project's generation (without a KV
 * cache: the contract is a full forward pass), sequence log-probabilities and DPO training.
 */
public final class TorchScriptCausalLm extends BundleBackedModel
    implements io.dualign.model.CausalLm {
  private TorchScriptCausalLm(TorchScriptModule module) {
    super(module);
  }

  /** Opens, verifies and loads a causal-LM bundle; {@code trainable} loads it for training. */
  public static TorchScriptCausalLm load(Path bundleDir, Device device, boolean trainable) throws IOException {
    TorchScriptBundle bundle = TorchScriptBundle.open(bundleDir, ModelKind.CAUSAL_LM);
    return new TorchScriptCausalLm(TorchScriptModule.load(bundle, device, trainable));
  }

  @Override
  public int vocabSize() {
    return bundle().manifest().vocabSize();
  }

  /** Logits {@code [B, T, V]} of {@code forward(ids, mask)}; with gradients when {@code training}. */
  @Override
  public NDArray logits(NDArray ids, NDArray attentionMask, boolean training) {
    if (training) {
      requireTrainable();
    }
    NDArray logits = module.forward(ids, attentionMask, training);
    checkLogits(logits, ids.getShape().get(0), ids.getShape().get(1));
    return logits;
  }

  /** The logits {@code [B][T][V]} for a batch (padding positions included; ignore them). */
  public float[][][] logits(TokenBatch batch) {
    TokenBatch in = module.conform(batch);
    try (NDManager m = module.model().getNDManager().newSubManager()) {
      NDArray logits = module.predict(m, TorchScriptModule.inputs(m, in));
      int v = checkLogits(logits, in.rows(), in.cols());
      float[] flat = logits.toFloatArray();
      float[][][] out = new float[batch.rows()][batch.cols()][v];
      for (int b = 0; b < batch.rows(); b++) {
        for (int t = 0; t < batch.cols(); t++) {
          System.arraycopy(flat, (b * in.cols() + t) * v, out[b][t], 0, v);
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
    TokenBatch in = module.conform(responseBatch(prompts, responses, tokenizer().padId()));
    try (NDManager m = module.model().getNDManager().newSubManager()) {
      NDList inputs = TorchScriptModule.inputs(m, in);
      NDArray logits = module.predict(m, inputs);
      checkLogits(logits, in.rows(), in.cols());
      NDArray tokenLogps = SequenceMath.nextTokenLogProbs(logits, inputs.get(0));
      NDArray targets = SequenceMath.targetMask(inputs.get(1),
          m.create(TorchScriptModule.int64(in.target()), inputs.get(1).getShape()));
      return tokenLogps.mul(targets).sum(new int[] {1}).toFloatArray();
    }
  }

  /**
   * Prompt ++ response rows, right-padded, whose targets are the response tokens; a response
   * log-probability needs at least one prompt token (e.g. BOS) and one response token.
   */
  static TokenBatch responseBatch(List<long[]> prompts, List<long[]> responses, long padId) {
    if (prompts.size() != responses.size()) {
      throw new IllegalArgumentException(prompts.size() + " prompts but " + responses.size() + " responses");
    }
    for (int b = 0; b < prompts.size(); b++) {
      if (prompts.get(b).length == 0 || responses.get(b).length == 0) {
        throw new IllegalArgumentException("row " + b + " has an empty "
            + (prompts.get(b).length == 0 ? "prompt" : "response")
            + "; a response log-probability needs at least one prompt token (e.g. BOS) and one response token");
      }
    }
    return TokenBatch.of(prompts, responses, padId, TokenBatch.Padding.RIGHT);
  }

  /** The mean next-token loss over all real tokens of a batch (no gradients): what a training step lowers. */
  public float loss(TokenBatch batch) {
    TokenBatch in = module.conform(batch);
    try (NDManager m = module.model().getNDManager().newSubManager()) {
      NDList inputs = TorchScriptModule.inputs(m, in);
      NDArray logits = module.predict(m, inputs);
      checkLogits(logits, in.rows(), in.cols());
      return new NextTokenLoss().evaluate(new NDList(inputs.get(0), inputs.get(1), inputs.get(1)),
          new NDList(logits)).getFloat();
    }
  }

  /** A trainer updating this model's parameters in place; the model must have been loaded trainable. */
  public TorchScriptTrainer newTrainer(TorchScriptTrainingOptions options) {
    requireTrainable();
    return new TorchScriptTrainer(module, options);
  }

  /**
   * Writes the model's current weights (e.g. after training) as a new bundle in {@code dir}: the TorchScript module,
   * a copy of the tokenizer and a manifest with fresh sha256 sums. {@code dir} must not exist; files are written to a
   * sibling temporary folder and renamed into place. Returns the new bundle, opened and verified.
   *
   * <p>DJL 0.36 serialises the module through memory in 4 MB chunks with a copy that grows with the file; this is fine
   * for models of up to a few hundred MB, slow for multi-GB ones.
   */
  public TorchScriptBundle save(Path dir, String source) throws IOException {
    if (java.nio.file.Files.exists(dir)) {
      throw new IOException("bundle folder already exists: " + dir);
    }
    Path parent = dir.toAbsolutePath().getParent();
    java.nio.file.Files.createDirectories(parent);
    Path tmp = java.nio.file.Files.createTempDirectory(parent, "." + dir.getFileName() + ".tmp");
    try {
      TorchScriptManifest m = bundle().manifest();
      Path modelOut = tmp.resolve(m.modelFile());
      try (java.io.OutputStream os = new java.io.BufferedOutputStream(java.nio.file.Files.newOutputStream(modelOut),
          1 << 20)) {
        ai.djl.pytorch.jni.JniUtils.writeModule((ai.djl.pytorch.engine.PtSymbolBlock) module.model().getBlock(), os,
            false);
      }
      java.nio.file.Files.copy(bundle().tokenizerPath(), tmp.resolve(m.tokenizerFile()));
      m.withSha256(FileDigest.sha256(modelOut), FileDigest.sha256(tmp.resolve(m.tokenizerFile()))).write(tmp, source);
      java.nio.file.Files.move(tmp, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      deleteTree(tmp);
      throw e;
    }
    return TorchScriptBundle.open(dir, ModelKind.CAUSAL_LM);
  }

  private static void deleteTree(Path p) throws IOException {
    if (!java.nio.file.Files.exists(p)) {
      return;
    }
    try (var s = java.nio.file.Files.walk(p)) {
      for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        java.nio.file.Files.deleteIfExists(q);
      }
    }
  }

  /** Checks the module returned logits {@code [rows, length, V]}; returns V. */
  private int checkLogits(NDArray logits, long rows, long length) {
    long[] s = logits.getShape().getShape();
    int v = vocabSize();
    if (s.length != 3 || s[0] != rows || s[1] != length || s[2] != v) {
      throw new IllegalStateException("TorchScript causal LM " + bundle().modelPath() + " returned shape "
          + logits.getShape() + ", expected (" + rows + ", " + length + ", " + v + ")");
    }
    return v;
  }
}
