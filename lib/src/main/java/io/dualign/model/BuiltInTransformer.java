package io.dualign.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.Pair;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code BuiltInTransformer} is the project's own decoder-only transformer ({@link
 * TransformerNet}) with its parameters, on the CPU or one device: a policy when its head is the
 * language-model head, a reward or cost model when it is the score head.
 */
public final class BuiltInTransformer implements CausalLm, ScoreModel, AutoCloseable {
  private static final Object INIT_LOCK = new Object();

  private final ModelArchitecture arch;
  private final Model model;
  private final TransformerNet net;
  private final ParameterStore store;

  private BuiltInTransformer(ModelArchitecture arch, Model model, TransformerNet net) {
    this.arch = arch;
    this.model = model;
    this.net = net;
    this.store = new ParameterStore(model.getNDManager(), false);
  }

  /** A new model with weights drawn from N(0, 0.02²) by {@code seed} (biases 0, norms 1). */
  public static BuiltInTransformer create(ModelArchitecture arch, long seed, Device device) {
    Model model = Model.newInstance("dualign-" + arch.head().name().toLowerCase(), device);
    TransformerNet net = new TransformerNet(arch);
    net.setInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT);
    synchronized (INIT_LOCK) { // the engine's random seed is global
      Engine.getInstance().setRandomSeed((int) (seed ^ (seed >>> 32)));
      net.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 1));
    }
    model.setBlock(net);
    return new BuiltInTransformer(arch, model, net);
  }

  /** A model of architecture {@code arch} with the weights saved by {@link #saveWeights}. */
  public static BuiltInTransformer load(ModelArchitecture arch, DataInputStream weights,
      Device device) throws IOException, MalformedModelException {
    BuiltInTransformer m = create(arch, 0, device);
    m.net.loadParameters(m.model.getNDManager(), weights);
    for (Parameter p : m.trainableParameters()) {
      p.getArray().setRequiresGradient(true);
    }
    return m;
  }

  public void saveWeights(DataOutputStream out) throws IOException {
    net.saveParameters(out);
  }

  public ModelArchitecture architecture() {
    return arch;
  }

  /** Number of scalar parameters. */
  public long parameterCount() {
    long n = 0;
    for (Parameter p : trainableParameters()) {
      n += p.getArray().size();
    }
    return n;
  }

  /** Copies every backbone parameter (all but the head) from {@code other}: same backbone needed. */
  public void copyBackboneFrom(BuiltInTransformer other) {
    if (other.arch.withHead(arch.head()).equals(arch) == false) {
      throw new IllegalArgumentException("cannot copy the backbone of " + other.arch.describe()
          + " into " + arch.describe());
    }
    Iterable<Pair<String, Parameter>> mine = net.getParameters();
    Iterable<Pair<String, Parameter>> theirs = other.net.getParameters();
    java.util.Map<String, Parameter> byName = new java.util.HashMap<>();
    for (Pair<String, Parameter> p : theirs) {
      byName.put(p.getKey(), p.getValue());
    }
    for (Pair<String, Parameter> p : mine) {
      if (p.getKey().contains("Head")) {
        continue;
      }
      Parameter src = byName.get(p.getKey());
      NDArray dst = p.getValue().getArray();
      try (NDArray copy = src.getArray().duplicate()) {
        dst.set(copy.toFloatArray());
      }
    }
  }

  @Override
  public NDManager manager() {
    return model.getNDManager();
  }

  @Override
  public List<Parameter> trainableParameters() {
    List<Parameter> out = new ArrayList<>();
    for (Pair<String, Parameter> p : net.getParameters()) {
      out.add(p.getValue());
    }
    return out;
  }

  @Override
  public int vocabSize() {
    return arch.vocabSize();
  }

  @Override
  public int contextLength() {
    return arch.contextLength();
  }

  @Override
  public NDArray logits(NDArray ids, NDArray attentionMask, boolean training) {
    requireHead(ModelArchitecture.Head.LANGUAGE_MODEL);
    return net.forward(store, ids, attentionMask, null, training);
  }

  /** Runs the backbone on every position and the vocabulary head on the given ones only. */
  @Override
  public NDArray nextTokenLogProbs(NDArray ids, NDArray attentionMask, NDArray positions,
      NDArray next, boolean training) {
    requireHead(ModelArchitecture.Head.LANGUAGE_MODEL);
    NDArray h = net.hidden(store, ids, attentionMask, null, training);
    NDArray picked = h.reshape(-1, arch.dModel()).get(positions);
    return SequenceLogProbs.pick(net.applyHead(store, picked, training), next);
  }

  /** Runs the vocabulary head on the last column only. */
  @Override
  public NDArray lastLogits(NDArray ids, NDArray attentionMask, KvCache cache) {
    requireHead(ModelArchitecture.Head.LANGUAGE_MODEL);
    NDArray h = net.hidden(store, ids, attentionMask, cache, false);
    return net.applyHead(store, h.get(new NDIndex().addAllDim().addIndices(-1)), false);
  }

  @Override
  public boolean supportsKvCache() {
    return arch.head() == ModelArchitecture.Head.LANGUAGE_MODEL;
  }

  @Override
  public KvCache newCache(NDManager owner, int capacity) {
    return new KvCache(owner, arch.layers(), capacity);
  }

  @Override
  public NDArray logits(NDArray ids, NDArray attentionMask, KvCache cache) {
    requireHead(ModelArchitecture.Head.LANGUAGE_MODEL);
    return net.forward(store, ids, attentionMask, cache, false);
  }

  @Override
  public NDArray endScores(NDArray ids, NDArray attentionMask, boolean training) {
    requireHead(ModelArchitecture.Head.SCORE);
    NDArray scores = net.forward(store, ids, attentionMask, null, training);
    long t = ids.getShape().get(1);
    NDArray mask = attentionMask.toType(DataType.FLOAT32, false);
    NDArray positions = ids.getManager().arange(1f, t + 1f);
    NDArray last = mask.mul(positions).max(new int[] {1}, true).sub(1)
        .toType(DataType.INT64, false);
    return scores.gather(last, 1).squeeze(1);
  }

  private void requireHead(ModelArchitecture.Head h) {
    if (arch.head() != h) {
      throw new IllegalStateException("this model has the " + arch.head() + " head, not " + h);
    }
  }

  @Override
  public void close() {
    model.close();
  }
}
