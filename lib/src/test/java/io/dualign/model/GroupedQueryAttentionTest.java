package io.dualign.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Grouped-query attention is multi-head attention whose query heads of a group share one key and
 * value head: a multi-head model whose key/value weights repeat the grouped model's, group by
 * group, computes the same logits.
 */
class GroupedQueryAttentionTest {
  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void equalsMultiHeadAttentionWithRepeatedKeyValueHeads(int kvHeads) {
    ModelArchitecture grouped = TinyModels.lm(kvHeads);
    int d = grouped.dModel();
    int kvWidth = grouped.kvWidth();
    int hd = grouped.headDim();
    int group = grouped.heads() / kvHeads;
    try (BuiltInTransformer gqa = BuiltInTransformer.create(grouped, 3, Device.cpu());
        BuiltInTransformer mha = BuiltInTransformer.create(TinyModels.lm(4), 4, Device.cpu());
        NDManager m = NDManager.newBaseManager()) {
      List<Parameter> from = gqa.trainableParameters();
      List<Parameter> to = mha.trainableParameters();
      assertEquals(from.size(), to.size());
      int expanded = 0;
      for (int i = 0; i < from.size(); i++) {
        NDArray src = from.get(i).getArray();
        NDArray dst = to.get(i).getArray();
        if (src.getShape().equals(dst.getShape())) {
          dst.set(src.toFloatArray());
          continue;
        }
        // A layer's fused projection: rows [queries d | keys kvWidth | values kvWidth] (weight
        // [rows, d] or bias [rows]). Key/value head j serves query heads j*group .. j*group+group-1.
        assertEquals(d + 2L * kvWidth, src.getShape().get(0), src.getShape().toString());
        NDArray q = src.get("0:" + d);
        NDArray k = src.get(d + ":" + (d + kvWidth));
        NDArray v = src.get((d + kvWidth) + ":");
        NDArray full = NDArrays.concat(new NDList(q, perQueryHead(k, kvHeads, group, hd),
            perQueryHead(v, kvHeads, group, hd)), 0);
        assertEquals(dst.getShape(), full.getShape());
        dst.set(full.toFloatArray());
        expanded++;
      }
      assertEquals(2 * grouped.layers(), expanded, "one weight and one bias per layer");
      long[] ids = {5, 9, 2, 33, 17, 1, 1, 40, 41, 42, 43, 44};
      int[] mask = {1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1}; // row 1 padded on the left
      float[] a = gqa.logits(m.create(ids, new Shape(2, 6)), m.create(mask, new Shape(2, 6)),
          false).toFloatArray();
      float[] b = mha.logits(m.create(ids, new Shape(2, 6)), m.create(mask, new Shape(2, 6)),
          false).toFloatArray();
      double maxDiff = 0;
      for (int i = 0; i < a.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      }
      assertTrue(maxDiff < 1e-5, "max |grouped - multi-head| = " + maxDiff);
    }
  }

  /** Rows of key/value heads [kvHeads * hd, ...] repeated so each query head has its own copy. */
  private static NDArray perQueryHead(NDArray kv, int kvHeads, int group, int hd) {
    NDList heads = new NDList();
    for (int j = 0; j < kvHeads; j++) {
      NDArray head = kv.get(j * hd + ":" + (j + 1) * hd);
      for (int g = 0; g < group; g++) {
        heads.add(head);
      }
    }
    return NDArrays.concat(heads, 0);
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 8})
  void keyValueHeadsMustDivideTheQueryHeads(int kvHeads) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TinyModels.lm(kvHeads));
    assertTrue(e.getMessage().contains("kvHeads " + kvHeads), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(ints = {4, 1})
  void architectureMapRoundTripsAndOldMapsAreMultiHead(int kvHeads) {
    ModelArchitecture a = TinyModels.lm(kvHeads);
    assertEquals(a, ModelArchitecture.fromMap(a.toMap()));
    Map<String, Object> old = new java.util.LinkedHashMap<>(a.toMap());
    old.remove("kvHeads"); // checkpoints written before grouped-query attention
    assertEquals(TinyModels.lm(4), ModelArchitecture.fromMap(old));
  }
}
