package io.dualign.model.torchscript;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.dualign.model.TokenBatch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@code TorchScriptScoreModel} is a reward or cost model exported to TorchScript
 * ({@code forward(input_ids, attention_mask) -> end scores [B]}, the score at each row's last non-pad token) and
 * loaded on DJL with its tokenizer, for inference.
 */
public final class TorchScriptScoreModel extends BundleBackedModel
    implements io.dualign.model.ScoreModel {
  private TorchScriptScoreModel(TorchScriptModule module) {
    super(module);
  }

  /** Opens, verifies and loads a score bundle for inference. */
  public static TorchScriptScoreModel load(Path bundleDir, Device device) throws IOException {
    TorchScriptBundle bundle = TorchScriptBundle.open(bundleDir, ModelKind.SCORE);
    return new TorchScriptScoreModel(TorchScriptModule.load(bundle, device, false));
  }

  /** End scores {@code [B]} (float32) of {@code forward(ids, mask)}. */
  @Override
  public NDArray endScores(NDArray ids, NDArray attentionMask, boolean training) {
    return checkedScores(module.forward(ids, attentionMask, training), ids.getShape().get(0));
  }

  /** The end score of each row of a batch. */
  public float[] endScores(TokenBatch batch) {
    TokenBatch in = module.conform(batch);
    try (NDManager m = module.model().getNDManager().newSubManager()) {
      return checkedScores(module.predict(m, TorchScriptModule.inputs(m, in)), in.rows())
          .toFloatArray();
    }
  }

  /** The end score of each (unpadded) sequence, right-padded into one batch. */
  public float[] endScores(List<long[]> sequences) {
    return endScores(TokenBatch.ofSequences(sequences, tokenizer().padId(), TokenBatch.Padding.RIGHT, 0));
  }

  /** The module's scores as float32 after checking they are {@code [rows]}. */
  private NDArray checkedScores(NDArray scores, long rows) {
    long[] s = scores.getShape().getShape();
    if (s.length != 1 || s[0] != rows) {
      throw new IllegalStateException("TorchScript score model " + bundle().modelPath()
          + " returned shape " + scores.getShape() + ", expected (" + rows + ")");
    }
    return scores.toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
  }
}
