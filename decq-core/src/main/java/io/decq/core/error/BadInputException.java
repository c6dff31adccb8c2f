package io.decq.core.error;

/**
 * A user error: a bad file, key, argument or value. The launcher prints its message on one line and exits
 * with status 2. The message must name the file, key or argument and say what was expected.
 */
public class BadInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BadInputException(String message) {
    super(message);
  }

  public BadInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
