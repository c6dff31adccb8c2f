package io.decq.core.config;


/** Validation helpers for config records' compact constructors; each names the key it checks. */
public final class Check {
  private Check() {}

  public static int atLeast(String key, int value, int min) {
    if (value < min) {
      throw new ConfigException(key, "must be >= " + min + ", got " + value);
    }
    return value;
  }

  public static long atLeast(String key, long value, long min) {
    if (value < min) {
      throw new ConfigException(key, "must be >= " + min + ", got " + value);
    }
    return value;
  }

  public static double atLeast(String key, double value, double min) {
    if (!(value >= min)) {
      throw new ConfigException(key, "must be >= " + min + ", got " + value);
    }
    return value;
  }

  public static double inRange(String key, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw new ConfigException(key, "must be in [" + min + ", " + max + "], got " + value);
    }
    return value;
  }

  public static int inRange(String key, int value, int min, int max) {
    if (value < min || value > max) {
      throw new ConfigException(key, "must be in [" + min + ", " + max + "], got " + value);
    }
    return value;
  }

  public static double positive(String key, double value) {
    if (!(value > 0)) {
      throw new ConfigException(key, "must be > 0, got " + value);
    }
    return value;
  }

  public static void that(boolean condition, String key, String reason) {
    if (!condition) {
      throw new ConfigException(key, reason);
    }
  }
}
