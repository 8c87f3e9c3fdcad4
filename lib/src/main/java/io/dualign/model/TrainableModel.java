package io.dualign.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import java.util.List;

/** A {@code TrainableModel} is a network whose parameters an optimizer may update in place. */
public interface TrainableModel {
  /** The manager that owns the parameters; per-step managers are its sub-managers. */
  NDManager manager();

  /** The parameters to train, in a stable order with stable ids. */
  List<Parameter> trainableParameters();

  /**
   * The type the forward and backward passes compute in: float32 (the default; a Hugging Face
   * model's float16 weights on a CPU are cast to float32 where used), or float16 (its float16
   * weights on a GPU), when the trainer scales the loss.
   */
  default DataType computeType() {
    return DataType.FLOAT32;
  }
}
