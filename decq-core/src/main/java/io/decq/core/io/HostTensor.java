package io.decq.core.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A tensor in host memory as a weight file holds it: dtype, shape and little-endian row-major bytes
 * (possibly a memory-mapped slice of the file). Every reader (safetensors, torch .pt, .npy/.npz)
 * produces these; {@link #toNDArray} turns one into a DJL array.
 *
 * @param dtype element type
 * @param shape dimensions, row-major
 * @param data exactly {@code numel * dtype.bytes()} bytes, position 0, little-endian
 */
public record HostTensor(DType dtype, long[] shape, ByteBuffer data) {

  public HostTensor {
    long expected = numel(shape) * dtype.bytes();
    if (data.remaining() != expected) {
      throw new IllegalArgumentException(
          "tensor of " + dtype + " " + Arrays.toString(shape) + " needs " + expected + " bytes, got " + data.remaining());
    }
    data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
  }

  public static long numel(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  public long numel() {
    return numel(shape);
  }

  /** A float32 tensor over a copy of {@code values}. */
  public static HostTensor ofFloats(long[] shape, float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return new HostTensor(DType.F32, shape.clone(), b);
  }

  /** A float64 tensor over a copy of {@code values}. */
  public static HostTensor ofDoubles(long[] shape, double[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.asDoubleBuffer().put(values);
    return new HostTensor(DType.F64, shape.clone(), b);
  }

  /** An int64 tensor over a copy of {@code values}. */
  public static HostTensor ofLongs(long[] shape, long[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(values);
    return new HostTensor(DType.I64, shape.clone(), b);
  }

  /** A uint8 tensor over a copy of {@code values}. */
  public static HostTensor ofBytes(long[] shape, byte[] values) {
    return new HostTensor(DType.U8, shape.clone(), ByteBuffer.wrap(values.clone()));
  }

  /** A copy of an NDArray's data (bfloat16 is never produced by DJL, so every DJL dtype maps). */
  public static HostTensor of(NDArray array) {
    DType dtype = DType.of(array.getDataType());
    ByteBuffer src = array.toByteBuffer();
    ByteBuffer copy = ByteBuffer.allocate(src.remaining()).order(ByteOrder.LITTLE_ENDIAN);
    copy.put(src.order(ByteOrder.LITTLE_ENDIAN));
    copy.flip();
    return new HostTensor(dtype, array.getShape().getShape(), copy);
  }

  /** Element {@code i} (row-major) as a double, for any dtype. */
  public double getDouble(long i) {
    int p = Math.toIntExact(i * dtype.bytes());
    return switch (dtype) {
      case F64 -> data.getDouble(p);
      case F32 -> data.getFloat(p);
      case F16 -> halfToFloat(data.getShort(p));
      case BF16 -> Float.intBitsToFloat((data.getShort(p) & 0xFFFF) << 16);
      case I64 -> data.getLong(p);
      case I32 -> data.getInt(p);
      case I16 -> data.getShort(p);
      case I8 -> data.get(p);
      case U8 -> data.get(p) & 0xFF;
      case BOOL -> data.get(p) != 0 ? 1 : 0;
    };
  }

  /** All elements widened (or rounded) to float32. */
  public float[] toFloats() {
    int n = Math.toIntExact(numel());
    float[] out = new float[n];
    if (dtype == DType.F32) {
      data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
      return out;
    }
    for (int i = 0; i < n; i++) {
      out[i] = (float) getDouble(i);
    }
    return out;
  }

  /** All elements as doubles. */
  public double[] toDoubles() {
    int n = Math.toIntExact(numel());
    double[] out = new double[n];
    if (dtype == DType.F64) {
      data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(out);
      return out;
    }
    for (int i = 0; i < n; i++) {
      out[i] = getDouble(i);
    }
    return out;
  }

  /** All elements as longs (integer dtypes exact; floats truncated). */
  public long[] toLongs() {
    int n = Math.toIntExact(numel());
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = dtype == DType.I64 ? data.getLong(i * 8) : (long) getDouble(i);
    }
    return out;
  }

  /**
   * This tensor as a DJL array owned by {@code manager}, in memory libtorch owns (never aliasing this
   * buffer, which may be a read-only file mapping). BF16 is widened to F32 and I16 to I32 in Java first
   * (DJL's native side cannot hold them); everything else keeps its dtype.
   */
  public NDArray toNDArray(NDManager manager) {
    Shape s = new Shape(shape);
    int n = Math.toIntExact(numel());
    if (dtype == DType.BF16) {
      ByteBuffer wide = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
      for (int i = 0; i < n; i++) {
        wide.putInt(i * 4, (data.getShort(i * 2) & 0xFFFF) << 16);
      }
      return owned(manager, wide, s, DataType.FLOAT32);
    }
    if (dtype == DType.I16) {
      ByteBuffer wide = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
      for (int i = 0; i < n; i++) {
        wide.putInt(i * 4, data.getShort(i * 2));
      }
      return owned(manager, wide, s, DataType.INT32);
    }
    ByteBuffer direct =
        data.isDirect() && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN
            ? data.duplicate().order(ByteOrder.nativeOrder())
            : ByteBuffer.allocateDirect(data.remaining()).order(ByteOrder.nativeOrder()).put(data.duplicate()).flip();
    return owned(manager, direct, s, dtype.djl());
  }

  /** Creates the array over {@code buffer}, then copies it into libtorch memory and drops the alias. */
  private static NDArray owned(NDManager manager, ByteBuffer buffer, Shape shape, DataType type) {
    if (shape.size() == 0) {
      return manager.create(shape, type);
    }
    try (NDArray alias = manager.create(buffer, shape, type)) {
      NDArray copy = alias.duplicate();
      copy.attach(manager);
      return copy;
    }
  }

  /** The float32 form as a DJL array (any floating or integer dtype). */
  public NDArray toFloat32(NDManager manager) {
    if (dtype == DType.F32 || dtype == DType.BF16) {
      return toNDArray(manager);
    }
    return manager.create(toFloats(), new Shape(shape));
  }

  @Override
  public String toString() {
    return dtype + Arrays.toString(shape);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HostTensor t && t.dtype == dtype && Arrays.equals(t.shape, shape) && t.data.equals(data);
  }

  @Override
  public int hashCode() {
    return 31 * dtype.hashCode() + Arrays.hashCode(shape);
  }

  /** IEEE 754 binary16 to float32, exact (Java 17 has no Float.float16ToFloat). */
  public static float halfToFloat(short h) {
    int bits = h & 0xFFFF;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1F;
    int mant = bits & 0x3FF;
    if (exp == 0x1F) {
      return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
    }
    if (exp == 0) {
      float v = mant * 0x1.0p-24f;
      return sign == 0 ? v : -v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }
}
