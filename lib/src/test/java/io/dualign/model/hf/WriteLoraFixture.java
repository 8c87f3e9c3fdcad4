package io.dualign.model.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * {@code WriteLoraFixture} writes {@code src/test/resources/hf/lora-by-dualign}: a LoRA adapter
 * on {@code llama-mha} in PEFT's format as dualign's {@link PeftAdapter#write} writes it, every
 * projection adapted, with seeded non-zero {@code B} (a trained adapter's, not the zero of
 * initialisation). {@code make_lora_reference.py} then records the logits PEFT computes with it
 * ({@code peft-reference.json}), which {@code LoraTest} compares. Run from lib/:
 *
 * <pre>
 *   java -cp target/classes:target/test-classes:$(cat cp.txt) io.dualign.model.hf.WriteLoraFixture
 * </pre>
 */
public final class WriteLoraFixture {
  static final String BASE = "llama-mha";
  static final LoraSpec SPEC = new LoraSpec(4, 8, 0.05, List.of("q_proj", "k_proj", "v_proj",
      "o_proj", "gate_proj", "up_proj", "down_proj"));
  static final Path DIR = HfParityTest.FIXTURES.resolve("lora-by-dualign");

  private WriteLoraFixture() {}

  public static void main(String[] args) throws Exception {
    write(DIR);
  }

  /** Attaches the fixture's adapter to {@code m}: seeded A as at initialisation, seeded B. */
  static void attach(HfCheckpoint.Loaded m) {
    HfDecoder net = m.model().decoder();
    net.attachLora(SPEC, m.model().manager(), 7);
    SplittableRandom rng = new SplittableRandom(11);
    for (Map.Entry<String, Parameter> e : net.loraParametersByName().entrySet()) {
      if (e.getKey().endsWith("lora_B.weight")) {
        Shape s = e.getValue().getArray().getShape();
        float[] b = new float[Math.toIntExact(s.size())];
        for (int i = 0; i < b.length; i++) {
          b[i] = (float) ((rng.nextDouble() - 0.5) * 0.4);
        }
        NDArray a = m.model().manager().create(b, s);
        net.setLora(e.getKey(), a);
      }
    }
  }

  static String write(Path to) throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    try (HfCheckpoint.Loaded m = HfParityTest.load(BASE, "float32")) {
      attach(m);
      return PeftAdapter.write(m.model().decoder(), fs, new org.apache.hadoop.fs.Path(
          to.toAbsolutePath().toUri()), "../" + BASE);
    }
  }
}
