/**
 * The error types every package may throw: a {@link io.decq.core.error.BadInputException} is a user error
 * (bad file, key, argument or value) that the launcher prints on one line with exit status 2. This package
 * imports nothing else of the project, so no package needs the CLI to report bad input.
 */
package io.decq.core.error;
