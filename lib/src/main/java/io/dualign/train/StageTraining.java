package io.dualign.train;

import ai.djl.Device;
import io.dualign.config.ModelSettings;
import io.dualign.config.TrainSettings;
import io.dualign.model.BuiltInTransformer;
import io.dualign.model.Checkpoint;
import io.dualign.model.LoadedModel;
import io.dualign.model.ModelArchitecture;
import io.dualign.model.ModelFormat;
import io.dualign.model.ScoreModel;
import io.dualign.model.hf.HfCheckpoint;
import io.dualign.model.hf.LoraSpec;
import io.dualign.model.hf.PeftAdapter;
import io.dualign.text.BpeTrainer;
import io.dualign.text.ChatTemplate;
import io.dualign.text.PromptEncoder;
import io.dualign.text.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code StageTraining} is the work of the sft, train-reward and train-cost stages on the pairs
 * one task holds: train the tokenizer (sft) or take the SFT checkpoint's, encode, train, evaluate
 * on the test split before and after, and save the checkpoint, on the device the caller gives
 * (the task's GPU, else the CPU). It returns the figures that go into the stage's
 * {@code _SUCCESS.json}.
 */
public final class StageTraining {
  /** Seed offsets so each stage draws its own initialisation and shuffling. */
  private static final long SFT_SEED = 0x5F7L;
  private static final long REWARD_SEED = 0x4E3L;
  private static final long COST_SEED = 0xC05L;

  private StageTraining() {}

  /** The built-in architecture the model settings describe. */
  public static ModelArchitecture architecture(ModelSettings ms, ModelArchitecture.Head head) {
    return new ModelArchitecture(head, ms.vocabSize(), ms.contextLength(), ms.dModel(),
        ms.layers(), ms.heads(), ms.ffnHidden(), ms.kvHeads());
  }

  private static List<PairRow> split(List<PairRow> rows, boolean train, long maxTrain) {
    List<PairRow> out = new ArrayList<>();
    for (PairRow r : rows) {
      if (train ? r.isTrain() : r.isTest()) {
        out.add(r);
      }
    }
    out.sort(Comparator.comparing(PairRow::pairId));
    if (train && maxTrain > 0 && out.size() > maxTrain) {
      return new ArrayList<>(out.subList(0, (int) maxTrain));
    }
    return out;
  }

  private static OptimizerSettings optimizer(TrainSettings ts, double lr, int steps) {
    return new OptimizerSettings((float) lr, ts.warmupSteps(), steps, (float) ts.weightDecay(),
        (float) ts.gradClipNorm(), ts.lossScale());
  }

  /**
   * The sft stage: tokenizer + policy on both responses of every train pair, computed on
   * {@code device} (the task's, {@code io.dualign.spark.ExecutorModels#taskDevice}).
   */
  public static Map<String, Object> sft(List<PairRow> rows, ModelSettings ms, TrainSettings ts,
      long runSeed, FileSystem fs, Path modelDir, Device device) throws IOException {
    List<PairRow> train = split(rows, true, ts.maxTrainPairs());
    List<PairRow> test = split(rows, false, 0);
    if (train.isEmpty()) {
      throw new IllegalArgumentException("sft: no pairs with split 'train' among " + rows.size());
    }
    // Prompts as the model sees them (templated), so the template's text gets merged too.
    ChatTemplate template = ChatTemplate.resolve(ms.chatTemplate(), java.util.Optional.empty());
    Set<String> texts = new LinkedHashSet<>();
    for (PairRow r : train) {
      texts.add(template.format(r.prompt()));
      texts.add(r.response0());
      texts.add(r.response1());
    }
    List<String> corpus = new ArrayList<>(texts);
    java.nio.file.Path tokFile = Files.createTempFile("dualign-sft-tokenizer-", ".json");
    try {
      BpeTrainer.Vocabulary vocab = new BpeTrainer(ms.vocabSize()).train(corpus);
      vocab.write(tokFile);
      try (TextTokenizer tok = TextTokenizer.load(tokFile);
          BuiltInTransformer lm = BuiltInTransformer.create(
              architecture(ms, ModelArchitecture.Head.LANGUAGE_MODEL), runSeed ^ SFT_SEED,
              device)) {
        PairEncoding enc = new PairEncoding(new PromptEncoder(tok, template,
            ms.maxPromptTokens(), ms.maxResponseTokens()));
        List<SftExample> trainEx = enc.sft(train);
        List<SftExample> testEx = enc.sft(test);
        SftObjective obj = new SftObjective(lm, tok.padId());
        Map<String, Double> before = testEx.isEmpty() ? Map.of() : obj.evaluate(testEx,
            ts.batchSize());
        int steps = TrainingLoop.stepsFor(trainEx.size(), ts.batchSize(), ts.gradAccumulation(),
            ts.sftEpochs());
        ModelTrainer trainer = new ModelTrainer(lm, optimizer(ts, ts.sftLearningRate(), steps));
        TrainingLoop.FitResult fit = TrainingLoop.fit("sft", trainer, obj, trainEx,
            ts.batchSize(), ts.gradAccumulation(), ts.sftEpochs(), runSeed ^ SFT_SEED,
            ts.logEverySteps());
        Map<String, Double> after = testEx.isEmpty() ? Map.of() : obj.evaluate(testEx,
            ts.batchSize());
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("train_pairs", train.size());
        s.put("test_pairs", test.size());
        s.put("train_examples", trainEx.size());
        s.put("test_examples", testEx.size());
        s.put("tokenizer_vocab_size", tok.vocabSize());
        s.put("tokenizer_merges", vocab.merges().size());
        s.putAll(enc.counts());
        s.putAll(fit.figures());
        s.put("heldout_loss_before", before.get("loss"));
        s.put("heldout_loss", after.get("loss"));
        s.put("heldout_perplexity", after.get("perplexity"));
        s.put("parameters", lm.parameterCount());
        s.put("architecture", lm.architecture().toMap());
        String version = Checkpoint.save(lm, tokFile, fs, modelDir, s);
        s.put("model_version", version);
        return s;
      }
    } finally {
      Files.deleteIfExists(tokFile);
    }
  }

  /**
   * The train-reward or train-cost stage: a score model whose backbone starts from the SFT
   * checkpoint in {@code sftDir} (same tokenizer), trained on the train pairs on {@code device}.
   */
  public static Map<String, Object> scoreModel(ScoreObjective.Kind kind, List<PairRow> rows,
      ModelSettings ms, TrainSettings ts, long runSeed, FileSystem fs, Path sftDir,
      Path modelDir, Device device) throws IOException {
    String name = kind == ScoreObjective.Kind.REWARD ? "train-reward" : "train-cost";
    long unlabelled = 0;
    if (kind == ScoreObjective.Kind.COST) {
      // the cost loss's sign terms need per-response safety labels (HH-RLHF has none)
      List<PairRow> labelled = new ArrayList<>();
      for (PairRow r : rows) {
        if (r.hasSafetyLabels()) {
          labelled.add(r);
        }
      }
      unlabelled = rows.size() - labelled.size();
      if (labelled.isEmpty() && !rows.isEmpty()) {
        throw new IllegalArgumentException(name + ": none of the " + rows.size() + " prepared "
            + "pairs has per-response safety labels (is_response_0_safe, is_response_1_safe), "
            + "e.g. HH-RLHF input; train the cost model on PKU-SafeRLHF-style data");
      }
      rows = labelled;
    }
    List<PairRow> train = split(rows, true, ts.maxTrainPairs());
    List<PairRow> test = split(rows, false, 0);
    if (train.isEmpty()) {
      throw new IllegalArgumentException(name + ": no pairs with split 'train' among " + rows.size());
    }
    long seed = runSeed ^ (kind == ScoreObjective.Kind.REWARD ? REWARD_SEED : COST_SEED);
    if (ModelFormat.detect(fs, sftDir) == ModelFormat.HUGGING_FACE) {
      return hfScoreModel(kind, train, test, unlabelled, ms, ts, seed, fs, sftDir, modelDir,
          device);
    }
    ModelArchitecture lmArch = architecture(ms, ModelArchitecture.Head.LANGUAGE_MODEL);
    java.nio.file.Path tokFile = Files.createTempFile("dualign-score-tokenizer-", ".json");
    try (Checkpoint.Loaded sft = Checkpoint.load(fs, sftDir, lmArch, device);
        BuiltInTransformer sm = BuiltInTransformer.create(
            lmArch.withHead(ModelArchitecture.Head.SCORE), seed, device)) {
      Files.copy(sft.tokenizer().file(), tokFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      sm.copyBackboneFrom(sft.model());
      Map<String, Object> s = fitScore(kind, sm, sft, train, test, unlabelled, ms, ts, seed);
      s.put("parameters", sm.parameterCount());
      s.put("architecture", sm.architecture().toMap());
      s.put("sft_version", sft.version());
      String version = Checkpoint.save(sm, tokFile, fs, modelDir, s);
      s.put("model_version", version);
      return s;
    } finally {
      Files.deleteIfExists(tokFile);
    }
  }

  /**
   * The score model on a Hugging Face causal LM's backbone ({@code model.policy} given as a
   * Hugging Face folder): its {@code *ForSequenceClassification} with a new score head
   * ({@link HfCheckpoint#scoreModelFrom}); with {@code train.lora.r > 0} a LoRA adapter and the
   * head train while the backbone stays frozen, as safe-rlhf trains a reward model with PEFT.
   * It is written as a Hugging Face folder (the adapter merged) and, with LoRA, the adapter in
   * PEFT's format in {@code adapter/}.
   */
  private static Map<String, Object> hfScoreModel(ScoreObjective.Kind kind, List<PairRow> train,
      List<PairRow> test, long unlabelled, ModelSettings ms, TrainSettings ts, long seed,
      FileSystem fs, Path sftDir, Path modelDir, Device device) throws IOException {
    try (HfCheckpoint.Loaded sm = HfCheckpoint.scoreModelFrom(fs, sftDir, device,
        ms.dtype(), seed)) {
      TrainSettings.Lora l = ts.lora();
      if (l.enabled()) {
        sm.model().decoder().attachLora(new LoraSpec(l.r(), l.alpha(), l.dropout(),
            l.targetModules()), sm.model().manager(), seed);
        if (l.dropout() > 0) {
          ai.djl.engine.Engine.getInstance().setRandomSeed((int) (seed ^ (seed >>> 32)));
        }
      }
      Map<String, Object> s = fitScore(kind, sm.model(), sm, train, test, unlabelled, ms, ts,
          seed);
      s.put("parameters", sm.model().parameterCount());
      s.put("trainable_parameters", sm.model().trainableParameters().stream()
          .mapToLong(p -> p.getArray().size()).sum());
      s.put("architecture", sm.model().config().architecture().hfName());
      s.put("model_format", ModelFormat.HUGGING_FACE.id());
      if (l.enabled()) {
        s.put("lora_r", l.r());
        s.put("lora_alpha", l.alpha());
      }
      s.put("sft_version", sm.version());
      String version = HfCheckpoint.save(sm, fs, modelDir);
      if (l.enabled()) {
        PeftAdapter.write(sm.model().decoder(), fs, new Path(modelDir, "adapter"),
            fs.makeQualified(sftDir).toString());
      }
      s.put("model_version", version);
      return s;
    }
  }

  /**
   * Encodes the pairs with {@code source}'s tokenizer and chat template, trains {@code sm} on
   * the train split and evaluates it on both; returns the figures.
   */
  private static Map<String, Object> fitScore(ScoreObjective.Kind kind, ScoreModel sm,
      LoadedModel source, List<PairRow> train, List<PairRow> test, long unlabelled,
      ModelSettings ms, TrainSettings ts, long seed) {
    String name = kind == ScoreObjective.Kind.REWARD ? "train-reward" : "train-cost";
    TextTokenizer tok = source.tokenizer();
    PairEncoding enc = new PairEncoding(new PromptEncoder(tok,
        ChatTemplate.resolve(ms.chatTemplate(), source.chatTemplate()), ms.maxPromptTokens(),
        ms.maxResponseTokens()));
    List<PreferenceExample> trainEx = enc.preferences(train, kind);
    List<PreferenceExample> testEx = enc.preferences(test, kind);
    float reg = (float) ts.scoreRegulariser();
    ScoreObjective obj = new ScoreObjective(sm, kind, tok.padId(), reg);
    int epochs = kind == ScoreObjective.Kind.REWARD ? ts.rewardEpochs() : ts.costEpochs();
    double lr = kind == ScoreObjective.Kind.REWARD ? ts.rewardLearningRate()
        : ts.costLearningRate();
    int steps = TrainingLoop.stepsFor(trainEx.size(), ts.batchSize(), ts.gradAccumulation(),
        epochs);
    ModelTrainer trainer = new ModelTrainer(sm, optimizer(ts, lr, steps));
    TrainingLoop.FitResult fit = TrainingLoop.fit(name, trainer, obj, trainEx, ts.batchSize(),
        ts.gradAccumulation(), epochs, seed, ts.logEverySteps());
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("train_pairs", train.size());
    s.put("test_pairs", test.size());
    if (kind == ScoreObjective.Kind.COST) {
      s.put("pairs_without_safety_labels", unlabelled);
    }
    s.putAll(enc.counts());
    s.putAll(fit.figures());
    if (!testEx.isEmpty()) {
      for (Map.Entry<String, Double> e : obj.evaluate(testEx, ts.batchSize(),
          name + " held-out").entrySet()) {
        s.put("heldout_" + e.getKey(), e.getValue());
      }
    }
    Map<String, Double> trainEval = obj.evaluate(trainEx, ts.batchSize(), name + " train");
    s.put("train_accuracy", trainEval.get("accuracy"));
    return s;
  }


}
