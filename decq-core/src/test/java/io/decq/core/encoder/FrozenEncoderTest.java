package io.decq.core.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.decq.core.error.BadInputException;
import io.decq.core.nn.NativeMemory;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The frozen-encoder contract: no trainable parameters, no gradient, outputs owned by the caller, no native growth. */
class FrozenEncoderTest {
  static FrozenEncoder encoder;
  static NDManager manager;

  @BeforeAll
  static void load() {
    encoder = Golden.dinov2();
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
    encoder.close();
  }

  @Test
  void nothingIsTrainable() {
    assertTrue(encoder.tower().trainableParameters().isEmpty());
    for (Parameter p : encoder.tower().namedParameters().values()) {
      assertFalse(p.getArray().hasGradient(), p.getName());
    }
    assertEquals(64, encoder.width());
    assertEquals(12, encoder.depth());
    assertEquals(5, encoder.prefixTokens());
    assertEquals(256, encoder.patchTokens());
  }

  @Test
  void outputsBelongToTheCallerAndNothingAccumulates() {
    float[] pixels = new float[3 * 256 * 256];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (i * 7919 % 256) / 255f;
    }
    try (NDManager warm = manager.newSubManager()) {
      encoder.encode(warm.create(pixels, new Shape(1, 3, 256, 256)), Set.of(0, 3));
    }
    int before = NativeMemory.liveArrays();
    for (int step = 0; step < 8; step++) {
      try (NDManager m = manager.newSubManager()) {
        NDArray images = m.create(pixels, new Shape(1, 3, 256, 256)).toType(DataType.FLOAT32, false);
        images.setRequiresGradient(true);
        EncoderOutput out = encoder.encode(images, Set.of(0, 3, 6, 9));
        assertSame(m, out.latent().getManager());
        assertSame(m, out.hiddenStates().get(9).getManager());
        assertFalse(out.latent().hasGradient());
        assertEquals(Set.of(0, 3, 6, 9), out.hiddenStates().keySet());
        // images + its gradient buffer, latent, 4 taps: nothing else may be left in the caller's manager.
        assertTrue(m.getManagedArrays().size() <= 8, "caller holds " + m.getManagedArrays().size() + " arrays");
      }
    }
    assertEquals(before, NativeMemory.liveArrays());
  }

  @Test
  void badCallsFailClearly() {
    try (NDManager m = manager.newSubManager()) {
      BadInputException size = assertThrows(BadInputException.class,
          () -> encoder.encode(m.zeros(new Shape(1, 3, 224, 224), DataType.UINT8), Set.of()));
      assertTrue(size.getMessage().contains("224x224") && size.getMessage().contains("256x256"), size.getMessage());
      BadInputException tap = assertThrows(BadInputException.class,
          () -> encoder.encode(m.zeros(new Shape(1, 3, 256, 256), DataType.UINT8), Set.of(13)));
      assertTrue(tap.getMessage().contains("0..12"), tap.getMessage());
    }
  }
}
