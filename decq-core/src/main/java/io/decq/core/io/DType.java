package io.decq.core.io;

import ai.djl.ndarray.types.DataType;

/**
 * Element types of weight files. Names are the safetensors spellings. {@link #BF16} never reaches
 * DJL as such (DJL aborts the JVM on bfloat16): {@link HostTensor#toNDArray} widens it to F32 in Java.
 */
public enum DType {
  F64(8),
  F32(4),
  F16(2),
  BF16(2),
  I64(8),
  I32(4),
  I16(2),
  I8(1),
  U8(1),
  BOOL(1);

  private final int bytes;

  DType(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes per element. */
  public int bytes() {
    return bytes;
  }

  public boolean isFloating() {
    return this == F64 || this == F32 || this == F16 || this == BF16;
  }

  /** The safetensors dtype string, or null when the name is not a dtype we read. */
  public static DType fromSafetensors(String name) {
    for (DType d : values()) {
      if (d.name().equals(name)) {
        return d;
      }
    }
    return null;
  }

  /** The DJL type a tensor of this dtype becomes (BF16 -> FLOAT32, I16 -> INT32: DJL cannot hold them). */
  public DataType djl() {
    return switch (this) {
      case F64 -> DataType.FLOAT64;
      case F32, BF16 -> DataType.FLOAT32;
      case F16 -> DataType.FLOAT16;
      case I64 -> DataType.INT64;
      case I32, I16 -> DataType.INT32;
      case I8 -> DataType.INT8;
      case U8 -> DataType.UINT8;
      case BOOL -> DataType.BOOLEAN;
    };
  }

  /** Our dtype for a DJL type; bfloat16 and the other types DJL's native side cannot handle are refused. */
  public static DType of(DataType t) {
    return switch (t) {
      case FLOAT64 -> F64;
      case FLOAT32 -> F32;
      case FLOAT16 -> F16;
      case INT64 -> I64;
      case INT32 -> I32;
      case INT8 -> I8;
      case UINT8 -> U8;
      case BOOLEAN -> BOOL;
      default -> throw new IllegalArgumentException("unsupported tensor type " + t);
    };
  }
}
