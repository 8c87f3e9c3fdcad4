package io.dualign.model;

import java.io.IOException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A {@code ModelFormat} is how a model folder is stored: a built-in {@link Checkpoint}
 * ({@code checkpoint.json}), a TorchScript bundle ({@code torchscript.json}) or a Hugging Face
 * checkpoint folder ({@code config.json} and safetensors weights, {@link
 * io.dualign.model.hf.HfFolder}). Each holds a {@code tokenizer.json}; each file's sha256 goes
 * into the model version.
 */
public enum ModelFormat {
  /** The project's own transformer: weights.params, tokenizer.json, checkpoint.json. */
  BUILT_IN("built-in", Checkpoint.META),
  /** A TorchScript export: {@code model.pt}, {@code tokenizer.json}, {@code torchscript.json}. */
  TORCHSCRIPT("torchscript", "torchscript.json"),
  /** A Hugging Face folder as {@code save_pretrained} writes it (Llama, Mistral, Qwen2). */
  HUGGING_FACE("hugging-face", "config.json");

  private final String id;
  private final String metaFile;

  ModelFormat(String id, String metaFile) {
    this.id = id;
    this.metaFile = metaFile;
  }

  /** The name recorded in markers and shown to users. */
  public String id() {
    return id;
  }

  /** The metadata file that identifies the format in a model folder. */
  public String metaFile() {
    return metaFile;
  }

  /**
   * The format of the model folder {@code dir}, from the metadata file it holds.
   *
   * @throws IOException naming the folder when it holds neither (or both)
   */
  public static ModelFormat detect(FileSystem fs, Path dir) throws IOException {
    boolean builtIn = fs.exists(new Path(dir, BUILT_IN.metaFile));
    boolean torchScript = fs.exists(new Path(dir, TORCHSCRIPT.metaFile));
    if (builtIn && torchScript) {
      throw new IOException("model folder " + dir + " holds both " + BUILT_IN.metaFile + " and "
          + TORCHSCRIPT.metaFile + "; keep one");
    }
    if (builtIn || torchScript) {
      return builtIn ? BUILT_IN : TORCHSCRIPT;
    }
    if (fs.exists(new Path(dir, HUGGING_FACE.metaFile))) {
      return HUGGING_FACE;
    }
    throw new IOException("no model in " + dir + ": expected a Hugging Face folder ("
        + HUGGING_FACE.metaFile + " and safetensors weights), a built-in checkpoint ("
        + BUILT_IN.metaFile + ") or a TorchScript bundle (" + TORCHSCRIPT.metaFile + ")");
  }
}
