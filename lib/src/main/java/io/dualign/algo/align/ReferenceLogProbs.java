package io.dualign.algo.align;

import io.dualign.config.ModelSettings;
import io.dualign.model.EngineThreads;
import io.dualign.model.LoadedModel;
import io.dualign.model.SequenceLogProbs;
import io.dualign.model.TokenBatch;
import io.dualign.spark.ExecutorModelCache;
import io.dualign.spark.ExecutorModels;
import io.dualign.spark.ModelRef;
import io.dualign.text.PromptEncoder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code ReferenceLogProbs} computes, on the executors, log π_ref(y|x) of both responses of every
 * pair: the frozen DPO reference, computed once per run and stored ({@link #SCHEMA}) so every
 * iteration, every method and every resumed run reuse it. The reference model is loaded once per
 * executor JVM through the {@link ExecutorModelCache}, on the task's device (its Spark GPU, else
 * the CPU); it may be a built-in checkpoint or a TorchScript bundle.
 */
public final class ReferenceLogProbs {
  public static final String REF_0 = "ref_logp_0";
  public static final String REF_1 = "ref_logp_1";
  /** Pinned schema: pair id, the two sequence log-probabilities, the reference version. */
  public static final StructType SCHEMA = new StructType()
      .add(AlignPairs.PAIR_ID, DataTypes.StringType, false)
      .add(REF_0, DataTypes.DoubleType, false)
      .add(REF_1, DataTypes.DoubleType, false)
      .add("reference_version", DataTypes.StringType, false);

  private ReferenceLogProbs() {}

  /** The reference log-probabilities of {@code pairs} (lazy). */
  public static Dataset<Row> compute(Dataset<Row> pairs, ModelRef reference, ModelSettings model,
      int batchSize, int threads) {
    Dataset<Row> in = pairs.select(AlignPairs.PAIR_ID, AlignPairs.PROMPT, AlignPairs.RESPONSE_0,
        AlignPairs.RESPONSE_1);
    return in.mapPartitions(new LogProbFn(reference, model, batchSize, threads),
        Encoders.row(SCHEMA));
  }

  /** Scores one partition in batches; only Java values leave it. */
  static final class LogProbFn implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final ModelRef reference;
    private final ModelSettings model;
    private final int batchSize;
    private final int threads;

    LogProbFn(ModelRef reference, ModelSettings model, int batchSize, int threads) {
      this.reference = reference;
      this.model = model;
      this.batchSize = batchSize;
      this.threads = threads;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) throws Exception {
      EngineThreads.apply(threads);
      List<Row> out = new ArrayList<>();
      if (!rows.hasNext()) {
        return out.iterator();
      }
      String version = reference.version();
      try (ExecutorModelCache.Lease<LoadedModel> lease = ExecutorModels.lease(reference,
          ExecutorModels.taskDevice())) {
        LoadedModel ref = lease.get();
        PromptEncoder enc = PolicyCodec.encoder(ref, model);
        List<Row> batch = new ArrayList<>();
        while (rows.hasNext()) {
          batch.add(rows.next());
          if (batch.size() == batchSize || !rows.hasNext()) {
            List<long[]> prompts = new ArrayList<>();
            List<long[]> responses = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
              for (Row row : batch) {
                prompts.add(enc.prompt(row.getString(1)).ids());
                responses.add(enc.response(row.getString(2 + r)).ids());
              }
            }
            double[] lp = SequenceLogProbs.sequenceValues(ref.causalLm(), TokenBatch.of(prompts,
                responses, ref.tokenizer().padId(), TokenBatch.Padding.RIGHT));
            for (int i = 0; i < batch.size(); i++) {
              out.add(RowFactory.create(batch.get(i).getString(0), lp[i], lp[batch.size() + i],
                  version));
            }
            batch.clear();
          }
        }
      }
      return out.iterator();
    }
  }
}
