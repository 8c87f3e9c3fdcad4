package io.dualign.model.torchscript;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@code TorchScriptScoreModel} is a reward or cost model exported to TorchScript
 * ({@code forward(input_ids, attention_mask) -> end scores [B]}, the score at each row's last non-pad token) and
 * loaded on DJL with its tokenizer, for inference.
 */
public final class TorchScriptScoreModel implements io.dualign.model.ScoreModel, AutoCloseable {
  private final TorchScriptModule module;

  private TorchScriptScoreModel(TorchScriptModule module) {
    this.module = module;
  }

  /** Opens, verifies and loads a score bundle for inference. */
  public static TorchScriptScoreModel load(Path bundleDir, Device device) throws IOException {
    TorchScriptBundle bundle = TorchScriptBundle.open(bundleDir, ModelKind.SCORE);
    return new TorchScriptScoreModel(TorchScriptModule.load(bundle, device, false));
  }

  /** The checked bundle this model came from. */
  public TorchScriptBundle bundle() {
    return module.bundle();
  }

  /** The bundle's tokenizer. */
  public BundleTokenizer tokenizer() {
    return module.tokenizer();
  }

  @Override
  public NDManager manager() {
    return module.model().getNDManager();
  }

  @Override
  public List<ai.djl.nn.Parameter> trainableParameters() {
    return module.trainableParameters();
  }

  @Override
  public int contextLength() {
    return bundle().manifest().maxLength();
  }

  /** End scores {@code [B]} (float32) of {@code forward(ids, mask)}. */
  @Override
  public NDArray endScores(NDArray ids, NDArray attentionMask, boolean training) {
    NDArray scores = module.forward(ids, attentionMask, training);
    long[] s = scores.getShape().getShape();
    long b = ids.getShape().get(0);
    if (s.length != 1 || s[0] != b) {
      throw new IllegalStateException("TorchScript score model " + bundle().modelPath()
          + " returned shape " + scores.getShape() + ", expected (" + b + ")");
    }
    return scores.toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
  }

  /** The end score of each row of a batch. */
  public float[] endScores(TokenBatch batch) {
    TokenBatch in = module.conform(batch);
    try (NDManager m = module.model().getNDManager().newSubManager()) {
      NDArray scores = module.predict(m, TorchScriptModule.inputs(m, in));
      long[] s = scores.getShape().getShape();
      if (s.length != 1 || s[0] != in.size()) {
        throw new IllegalStateException("TorchScript score model " + bundle().modelPath() + " returned shape "
            + scores.getShape() + ", expected (" + in.size() + ")");
      }
      return scores.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
    }
  }

  /** The end score of each (unpadded) sequence, right-padded into one batch. */
  public float[] endScores(List<long[]> sequences) {
    return endScores(TokenBatch.rightPadded(sequences, tokenizer().padId(), 0));
  }

  @Override
  public void close() {
    module.close();
  }
}
