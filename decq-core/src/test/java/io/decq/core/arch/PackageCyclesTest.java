package io.decq.core.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No two packages of a module import each other, directly or through others: an import scan of every
 * module's {@code src/main/java} (the modules are this module's siblings), cycles found as the strongly
 * connected components of the package graph.
 */
class PackageCyclesTest {
  private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
  private static final Pattern IMPORT = Pattern.compile("^import\\s+(?:static\\s+)?([\\w.]+)\\.[\\w*]+\\s*;", Pattern.MULTILINE);

  @Test
  void noModuleHasAPackageCycle() throws IOException {
    Path root = Path.of(System.getProperty("user.dir")).getParent();
    List<Path> modules;
    try (Stream<Path> s = Files.list(root)) {
      modules = s.filter(p -> p.getFileName().toString().startsWith("decq-"))
          .filter(p -> Files.isDirectory(p.resolve("src/main/java"))).sorted().toList();
    }
    assertFalse(modules.isEmpty(), "no decq-* modules with src/main/java beside " + root);
    Map<String, List<String>> cycles = new TreeMap<>();
    for (Path module : modules) {
      List<Set<String>> found = cycles(imports(module.resolve("src/main/java")));
      if (!found.isEmpty()) {
        cycles.put(module.getFileName().toString(), found.stream().map(Set::toString).toList());
      }
    }
    assertEquals(Map.of(), cycles, "package cycles (each set of packages imports itself round)");
  }

  @Test
  void findsACycle() {
    Map<String, Set<String>> graph = new HashMap<>();
    graph.put("a", Set.of("b"));
    graph.put("b", Set.of("c"));
    graph.put("c", Set.of("a", "d"));
    graph.put("d", Set.of());
    List<Set<String>> found = cycles(graph);
    assertEquals(List.of(Set.of("a", "b", "c")), found);
    graph.put("c", Set.of("d"));
    assertTrue(cycles(graph).isEmpty());
  }

  /** Package -> the packages of the same module its classes import. */
  private static Map<String, Set<String>> imports(Path sources) throws IOException {
    Map<String, Set<String>> graph = new HashMap<>();
    List<Path> files;
    try (Stream<Path> s = Files.walk(sources)) {
      files = s.filter(p -> p.toString().endsWith(".java")).toList();
    }
    for (Path f : files) {
      String text = Files.readString(f);
      Matcher pm = PACKAGE.matcher(text);
      if (pm.find()) {
        graph.computeIfAbsent(pm.group(1), k -> new TreeSet<>());
      }
    }
    for (Path f : files) {
      String text = Files.readString(f);
      Matcher pm = PACKAGE.matcher(text);
      if (!pm.find()) {
        continue;
      }
      String pkg = pm.group(1);
      Matcher m = IMPORT.matcher(text);
      while (m.find()) {
        String target = m.group(1);
        // a nested type import (a.b.Outer.Inner): walk up to the package
        while (!graph.containsKey(target) && target.contains(".")) {
          target = target.substring(0, target.lastIndexOf('.'));
        }
        if (graph.containsKey(target) && !target.equals(pkg)) {
          graph.get(pkg).add(target);
        }
      }
    }
    return graph;
  }

  /** The strongly connected components of more than one package (Tarjan), each sorted. */
  static List<Set<String>> cycles(Map<String, Set<String>> graph) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new TreeSet<>();
    List<Set<String>> out = new ArrayList<>();
    int[] counter = {0};
    for (String v : new TreeSet<>(graph.keySet())) {
      if (!index.containsKey(v)) {
        connect(v, graph, index, low, stack, onStack, out, counter);
      }
    }
    return out;
  }

  private static void connect(String v, Map<String, Set<String>> graph, Map<String, Integer> index,
      Map<String, Integer> low, Deque<String> stack, Set<String> onStack, List<Set<String>> out, int[] counter) {
    index.put(v, counter[0]);
    low.put(v, counter[0]);
    counter[0]++;
    stack.push(v);
    onStack.add(v);
    for (String w : graph.getOrDefault(v, Set.of())) {
      if (!index.containsKey(w)) {
        connect(w, graph, index, low, stack, onStack, out, counter);
        low.put(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.contains(w)) {
        low.put(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v).equals(index.get(v))) {
      Set<String> component = new TreeSet<>();
      String w;
      do {
        w = stack.pop();
        onStack.remove(w);
        component.add(w);
      } while (!w.equals(v));
      if (component.size() > 1) {
        out.add(component);
      }
    }
  }
}
