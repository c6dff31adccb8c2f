package io.decq.train.optim;

import ai.djl.ndarray.types.Shape;
import io.decq.core.config.TrainConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which parameters get weight decay. A parameter is exempt when its dotted name matches one of the
 * {@code train.no_decay} glob patterns ({@code *} any run of characters, dots included; {@code ?} one
 * character; the whole name must match), or, with {@code train.no_decay_vectors}, when it has fewer
 * than two dimensions (biases, LayerNorm/RMSNorm scales). The defaults exempt biases, norm scales,
 * CLS tokens, position embeddings and the learnable queries and their positions, as timm and the
 * DiT/RAE code do; every other weight decays.
 */
public final class ParamGroups {
  private final List<String> patterns;
  private final List<Pattern> compiled;
  private final boolean noDecayVectors;

  public ParamGroups(List<String> noDecayPatterns, boolean noDecayVectors) {
    this.patterns = List.copyOf(noDecayPatterns);
    this.compiled = new ArrayList<>();
    for (String p : patterns) {
      compiled.add(glob(p));
    }
    this.noDecayVectors = noDecayVectors;
  }

  public static ParamGroups of(TrainConfig train) {
    return new ParamGroups(train.noDecay(), train.noDecayVectors());
  }

  /** Whether the parameter {@code name} of shape {@code shape} gets weight decay. */
  public boolean decays(String name, Shape shape) {
    if (noDecayVectors && shape.dimension() < 2) {
      return false;
    }
    for (Pattern p : compiled) {
      if (p.matcher(name).matches()) {
        return false;
      }
    }
    return true;
  }

  /** The glob as a regular expression over the whole name. */
  static Pattern glob(String glob) {
    StringBuilder re = new StringBuilder();
    StringBuilder literal = new StringBuilder();
    for (char c : glob.toCharArray()) {
      if (c == '*' || c == '?') {
        if (literal.length() > 0) {
          re.append(Pattern.quote(literal.toString()));
          literal.setLength(0);
        }
        re.append(c == '*' ? ".*" : ".");
      } else {
        literal.append(c);
      }
    }
    if (literal.length() > 0) {
      re.append(Pattern.quote(literal.toString()));
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL);
  }

  @Override
  public String toString() {
    return "no decay for " + patterns + (noDecayVectors ? " and every parameter with < 2 dimensions" : "");
  }
}
