package io.dualign.model;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.List;

/** A {@code TrainableModel} is a network whose parameters an optimizer may update in place. */
public interface TrainableModel {
  /** The manager that owns the parameters; per-step managers are its sub-managers. */
  NDManager manager();

  /** The parameters to train, in a stable order with stable ids. */
  List<Parameter> trainableParameters();
}
