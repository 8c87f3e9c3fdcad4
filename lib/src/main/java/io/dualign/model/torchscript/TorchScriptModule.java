package io.dualign.model.torchscript;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import io.dualign.model.TokenBatch;
import java.io.IOException;

/**
 * A {@code TorchScriptModule} is a checked bundle's TorchScript model loaded on DJL's PyTorch engine, with its
 * tokenizer; the shared core of {@link TorchScriptCausalLm} and {@link TorchScriptScoreModel}.
 */
final class TorchScriptModule implements AutoCloseable {
  /**
   * DJL's switch for TorchScript's profiling graph executor, read on every TorchScript forward. With it on (PyTorch's
   * default), a module whose first runs were training forwards fails a later inference forward with "Inference tensors
   * cannot be saved for backward" (measured with DJL 0.36 / PyTorch 2.7.1): the optimised plan keeps autograd nodes.
   * It only affects TorchScript modules, so it is turned off here unless the user set it.
   */
  static final String GRAPH_OPTIMIZER = "ai.djl.pytorch.graph_optimizer";

  static {
    if (System.getProperty(GRAPH_OPTIMIZER) == null) {
      System.setProperty(GRAPH_OPTIMIZER, "false");
    }
  }

  private final TorchScriptBundle bundle;
  private final ZooModel<NDList, NDList> model;
  private final BundleTokenizer tokenizer;
  private final boolean trainable;

  private TorchScriptModule(TorchScriptBundle bundle, ZooModel<NDList, NDList> model, BundleTokenizer tokenizer,
      boolean trainable) {
    this.bundle = bundle;
    this.model = model;
    this.tokenizer = tokenizer;
    this.trainable = trainable;
  }

  /**
   * Loads the bundle's model (offline, PyTorch engine) on {@code device}. With {@code trainable} its parameters
   * require gradients ({@code trainParam}); otherwise they are frozen.
   */
  static TorchScriptModule load(TorchScriptBundle bundle, Device device, boolean trainable) throws IOException {
    Criteria<NDList, NDList> criteria = Criteria.builder()
        .setTypes(NDList.class, NDList.class)
        .optEngine("PyTorch")
        .optModelPath(bundle.modelPath())
        .optDevice(device)
        .optOption("mapLocation", "true")
        .optOption("trainParam", Boolean.toString(trainable))
        .build();
    ZooModel<NDList, NDList> model;
    try {
      model = criteria.loadModel();
    } catch (ModelNotFoundException | MalformedModelException e) {
      throw new IOException("cannot load TorchScript model " + bundle.modelPath() + ": " + e.getMessage(), e);
    }
    try {
      return new TorchScriptModule(bundle, model, BundleTokenizer.load(bundle), trainable);
    } catch (IOException | RuntimeException e) {
      model.close();
      throw e;
    }
  }

  TorchScriptBundle bundle() {
    return bundle;
  }

  BundleTokenizer tokenizer() {
    return tokenizer;
  }

  Model model() {
    return model;
  }

  boolean trainable() {
    return trainable;
  }

  /** Pads to the manifest's fixed length when it has one, and checks the batch fits the model. */
  TokenBatch conform(TokenBatch batch) {
    TorchScriptManifest m = bundle.manifest();
    if (batch.rows() == 0) {
      throw new IllegalArgumentException("a token batch needs at least one row");
    }
    if (batch.cols() > m.maxLength()) {
      throw new IllegalArgumentException("batch length " + batch.cols() + " exceeds max_length " + m.maxLength()
          + " of " + bundle.dir());
    }
    for (int b = 0; b < batch.rows(); b++) {
      if (batch.rowTokens(b) == 0) {
        throw new IllegalArgumentException("row " + b + " has no real token (attention mask all 0)");
      }
      for (long id : batch.idsRow(b)) {
        if (id < 0 || id >= m.vocabSize()) {
          throw new IllegalArgumentException("row " + b + " holds token id " + id + " outside [0, vocab_size="
              + m.vocabSize() + ") of " + bundle.dir());
        }
      }
    }
    return m.fixedLength().isPresent() ? batch.padRightTo(m.fixedLength().getAsInt(), m.padTokenId()) : batch;
  }

  /** Creates the int64 {@code input_ids} and {@code attention_mask} arrays of a batch in {@code manager}. */
  static NDList inputs(NDManager manager, TokenBatch batch) {
    NDArray ids = batch.idsArray(manager);
    NDArray mask = manager.create(int64(batch.mask()), ids.getShape());
    return new NDList(ids, mask);
  }

  /** A 0/1 mask as int64, the type TorchScript bundles take. */
  static long[] int64(int[] mask) {
    long[] out = new long[mask.length];
    for (int i = 0; i < mask.length; i++) {
      out[i] = mask[i];
    }
    return out;
  }

  /** Runs {@code forward(input_ids, attention_mask)} without gradients; outputs live in the inputs' manager. */
  NDArray predict(NDManager manager, NDList inputs) {
    NDList out = model.getBlock().forward(new ParameterStore(manager, false), inputs, false);
    if (out.isEmpty()) {
      throw new IllegalStateException("TorchScript model " + bundle.modelPath() + " returned nothing");
    }
    return out.get(0);
  }

  /**
   * Runs {@code forward(input_ids, attention_mask)} on NDArrays (ids int64, mask of any integer
   * type, both {@code [B, T]}; a null mask: no padding), in training mode when {@code training}
   * (gradients flow to the parameters of a trainable module). A bundle with a fixed length gets its batch right-padded
   * (pad id, mask 0) and the output cut back to {@code T} positions; right padding never changes
   * the real positions of a causal model. Outputs live in the inputs' manager.
   */
  NDArray forward(NDArray ids, NDArray attentionMask, boolean training) {
    TorchScriptManifest m = bundle.manifest();
    long[] shape = ids.getShape().getShape();
    if (shape.length != 2) {
      throw new IllegalArgumentException("input_ids must be [B, T], was " + ids.getShape());
    }
    long t = shape[1];
    if (t > m.maxLength()) {
      throw new IllegalArgumentException("sequence length " + t + " exceeds max_length "
          + m.maxLength() + " of " + bundle.dir());
    }
    NDManager mgr = ids.getManager();
    NDArray in = ids.toType(ai.djl.ndarray.types.DataType.INT64, false);
    NDArray mask = attentionMask == null
        ? mgr.ones(ids.getShape(), ai.djl.ndarray.types.DataType.INT64)
        : attentionMask.toType(ai.djl.ndarray.types.DataType.INT64, false);
    long fixed = m.fixedLength().isPresent() ? m.fixedLength().getAsInt() : t;
    if (fixed > t) {
      ai.djl.ndarray.types.Shape pad = new ai.djl.ndarray.types.Shape(shape[0], fixed - t);
      in = in.concat(mgr.full(pad, m.padTokenId()), 1);
      mask = mask.concat(mgr.zeros(pad, ai.djl.ndarray.types.DataType.INT64), 1);
    }
    NDList out = model.getBlock().forward(new ParameterStore(mgr, false), new NDList(in, mask),
        training);
    if (out.isEmpty()) {
      throw new IllegalStateException("TorchScript model " + bundle.modelPath() + " returned nothing");
    }
    NDArray y = out.get(0);
    if (fixed > t) {
      y = y.getShape().dimension() == 3 ? y.get(":, :" + t + ", :") : y;
    }
    return y;
  }

  /** Every parameter of the module, trainable or not. */
  java.util.List<ai.djl.nn.Parameter> parameters() {
    java.util.List<ai.djl.nn.Parameter> out = new java.util.ArrayList<>();
    model.getBlock().getParameters().forEach(p -> out.add(p.getValue()));
    return out;
  }

  /** The parameters that require gradients (all of them when loaded trainable; none otherwise). */
  java.util.List<ai.djl.nn.Parameter> trainableParameters() {
    java.util.List<ai.djl.nn.Parameter> out = new java.util.ArrayList<>();
    model.getBlock().getParameters().forEach(p -> {
      if (trainable && p.getValue().requiresGradient()) {
        out.add(p.getValue());
      }
    });
    return out;
  }

  @Override
  public void close() {
    tokenizer.close();
    model.close();
  }
}
