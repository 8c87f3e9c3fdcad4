package io.dualign.model.torchscript;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.dualign.model.TokenBatch;
import java.io.IOException;
import java.util.Map;

/**
 * A {@code BundleTokenizer} is a bundle's {@code tokenizer.json} loaded through DJL's HuggingFace tokenizers, with
 * the EOS and PAD ids the manifest names checked against it.
 *
 * <p>It never pads or truncates: batching is {@link TokenBatch}'s job, so every id it returns is a real token.
 */
public final class BundleTokenizer implements AutoCloseable {
  private final HuggingFaceTokenizer tokenizer;
  private final long eosId;
  private final long padId;

  private BundleTokenizer(HuggingFaceTokenizer tokenizer, long eosId, long padId) {
    this.tokenizer = tokenizer;
    this.eosId = eosId;
    this.padId = padId;
  }

  /** Loads the bundle's tokenizer offline and checks that its EOS/PAD tokens encode to the manifest's ids. */
  public static BundleTokenizer load(TorchScriptBundle bundle) throws IOException {
    HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(bundle.tokenizerPath(),
        Map.of("padding", "false", "truncation", "false"));
    try {
      TorchScriptManifest m = bundle.manifest();
      long eos = singleId(t, m.eosToken(), "eos_token", bundle);
      long pad = singleId(t, m.padToken(), "pad_token", bundle);
      if (eos != m.eosTokenId() || pad != m.padTokenId()) {
        throw new IOException("tokenizer " + bundle.tokenizerPath() + " gives eos '" + m.eosToken() + "'=" + eos
            + ", pad '" + m.padToken() + "'=" + pad + " but the manifest records eos_token_id=" + m.eosTokenId()
            + ", pad_token_id=" + m.padTokenId());
      }
      return new BundleTokenizer(t, eos, pad);
    } catch (IOException | RuntimeException e) {
      t.close();
      throw e;
    }
  }

  private static long singleId(HuggingFaceTokenizer t, String token, String key, TorchScriptBundle bundle)
      throws IOException {
    long[] ids = t.encode(token, false, false).getIds();
    if (ids.length != 1) {
      throw new IOException(key + " '" + token + "' of " + bundle.dir() + " is not a single token of "
          + bundle.tokenizerPath() + " (it encodes to " + ids.length + " ids)");
    }
    return ids[0];
  }

  /** The end-of-sequence id. */
  public long eosId() {
    return eosId;
  }

  /** The padding id. */
  public long padId() {
    return padId;
  }

  /**
   * Encodes text; {@code addSpecialTokens} applies the tokenizer's own post-processor (e.g. a BOS for Llama).
   * Prompts are encoded with it, responses without, so that prompt + response ids concatenate exactly.
   */
  public long[] encode(String text, boolean addSpecialTokens) {
    Encoding e = tokenizer.encode(text, addSpecialTokens, false);
    return e.getIds();
  }

  /** Encodes a response: its ids without special tokens, followed by EOS when {@code appendEos}. */
  public long[] encodeResponse(String text, boolean appendEos) {
    long[] ids = encode(text, false);
    if (!appendEos) {
      return ids;
    }
    long[] out = java.util.Arrays.copyOf(ids, ids.length + 1);
    out[ids.length] = eosId;
    return out;
  }

  /** Decodes ids to text, dropping special tokens when {@code skipSpecialTokens}. */
  public String decode(long[] ids, boolean skipSpecialTokens) {
    return tokenizer.decode(ids, skipSpecialTokens);
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
