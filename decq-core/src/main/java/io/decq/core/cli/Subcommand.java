package io.decq.core.cli;

/**
 * Marker for a top-level {@code decq} subcommand. Each module lists its implementations (picocli
 * {@code @Command} classes with a public no-argument constructor) in
 * {@code META-INF/services/io.decq.core.cli.Subcommand}; {@link Decq} discovers them with {@link
 * java.util.ServiceLoader}, so adding a command never edits a central list.
 */
public interface Subcommand {}
