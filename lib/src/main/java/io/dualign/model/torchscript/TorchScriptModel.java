package io.dualign.model.torchscript;

import ai.djl.Device;
import io.dualign.model.CausalLm;
import io.dualign.model.LoadedModel;
import io.dualign.model.ModelFormat;
import io.dualign.model.ScoreModel;
import io.dualign.text.TextTokenizer;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A {@code TorchScriptModel} is a verified TorchScript bundle loaded as a {@link LoadedModel}: its
 * causal LM or score model, and its {@code tokenizer.json} as the project's {@link TextTokenizer}
 * (EOS and PAD from the manifest, checked against the tokenizer; prompts encoded with the
 * tokenizer's special tokens, responses without, as the contract says).
 */
public final class TorchScriptModel implements LoadedModel {
  private final TorchScriptBundle bundle;
  private final TorchScriptCausalLm lm;
  private final TorchScriptScoreModel score;
  private final TextTokenizer tokenizer;
  private final String version;

  private TorchScriptModel(TorchScriptBundle bundle, TorchScriptCausalLm lm,
      TorchScriptScoreModel score, TextTokenizer tokenizer) {
    this.bundle = bundle;
    this.lm = lm;
    this.score = score;
    this.tokenizer = tokenizer;
    this.version = bundle.manifest().version();
  }

  /**
   * Opens the bundle in the local folder {@code dir} (checking its files' sha256) and loads it on
   * {@code device}; {@code trainable} loads a causal LM for training ({@code trainParam}).
   */
  public static TorchScriptModel load(Path dir, Device device, boolean trainable)
      throws IOException {
    TorchScriptBundle bundle = TorchScriptBundle.open(dir);
    TorchScriptManifest m = bundle.manifest();
    m.version(); // a run model must record its sums
    TextTokenizer tok = TextTokenizer.load(bundle.tokenizerPath(), m.eosToken(), m.padToken(),
        true);
    try {
      if (tok.eosId() != m.eosTokenId() || tok.padId() != m.padTokenId()) {
        throw new IOException("tokenizer " + bundle.tokenizerPath() + " gives eos '" + m.eosToken()
            + "'=" + tok.eosId() + ", pad '" + m.padToken() + "'=" + tok.padId()
            + " but the manifest records eos_token_id=" + m.eosTokenId() + ", pad_token_id="
            + m.padTokenId());
      }
      if (m.kind() == ModelKind.CAUSAL_LM) {
        return new TorchScriptModel(bundle, TorchScriptCausalLm.load(dir, device, trainable), null,
            tok);
      }
      if (trainable) {
        throw new IOException("TorchScript score bundle " + dir + " cannot be loaded for training");
      }
      return new TorchScriptModel(bundle, null, TorchScriptScoreModel.load(dir, device), tok);
    } catch (IOException | RuntimeException e) {
      tok.close();
      throw e;
    }
  }

  /** The checked bundle. */
  public TorchScriptBundle bundle() {
    return bundle;
  }

  @Override
  public ModelFormat format() {
    return ModelFormat.TORCHSCRIPT;
  }

  @Override
  public String version() {
    return version;
  }

  @Override
  public TextTokenizer tokenizer() {
    return tokenizer;
  }

  /** The causal LM (its own Java-array API included, e.g. {@link TorchScriptCausalLm#save}). */
  public TorchScriptCausalLm torchScriptLm() {
    if (lm == null) {
      throw new IllegalStateException("TorchScript bundle " + bundle.dir() + " is a '"
          + bundle.manifest().kind().id() + "' model, not a causal language model");
    }
    return lm;
  }

  @Override
  public CausalLm causalLm() {
    return torchScriptLm();
  }

  @Override
  public ScoreModel scoreModel() {
    if (score == null) {
      throw new IllegalStateException("TorchScript bundle " + bundle.dir() + " is a '"
          + bundle.manifest().kind().id() + "' model, not a score model");
    }
    return score;
  }

  @Override
  public long weightBytes() {
    return lm != null ? lm.weightBytes() : score.weightBytes();
  }

  @Override
  public void close() {
    if (lm != null) {
      lm.close();
    }
    if (score != null) {
      score.close();
    }
    tokenizer.close();
  }
}
