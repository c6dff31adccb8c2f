package io.decq.core.io;

import io.decq.core.error.BadInputException;
import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A restricted reader of the Python pickles inside torch checkpoints. It builds plain Java values and
 * never runs anything: a global outside {@link #ALLOWED} or an opcode it does not know fails with a
 * {@link BadInputException} naming the source, the byte position and the global or opcode.
 *
 * <p>Python values become: dict and {@code OrderedDict} -> {@link LinkedHashMap}, list -> {@link
 * ArrayList}, tuple -> {@link Tuple}, str -> {@link String}, bytes -> {@code byte[]}, int -> {@link
 * Long} (or {@link BigInteger} beyond 64 bits), float -> {@link Double}, bool -> {@link Boolean}, None
 * -> {@code null}. Tensors become {@link TensorRef}s over the {@link StorageRef}s that the caller's
 * persistent-id loader returns; their bytes are read by the caller.
 *
 * <p>Opcodes: those of protocols 2 to 5 that state dicts use (PROTO, FRAME, STOP, MARK, POP, POP_MARK,
 * DUP, the EMPTY_/TUPLE/LIST/DICT builders, APPEND(S), SETITEM(S), the memo (BINPUT, LONG_BINPUT,
 * MEMOIZE, BINGET, LONG_BINGET), GLOBAL, STACK_GLOBAL, REDUCE, BUILD, BINPERSID, the binary ints,
 * strings, bytes and floats, NONE, NEWTRUE, NEWFALSE).
 */
final class Pickle {
  /** A Python global the allow-list admits. */
  record Global(String module, String name) {
    String qualified() {
      return module + "." + name;
    }
  }

  /** A Python tuple (a list that stays distinguishable from a Python list). */
  record Tuple(List<Object> items) {
    Object get(int i) {
      return items.get(i);
    }

    int size() {
      return items.size();
    }
  }

  /**
   * A typed view of one stored storage: {@code numel} elements of {@code dtype} starting {@code
   * elementOffset} elements into the raw bytes stored under {@code key}.
   */
  record StorageRef(String key, DType dtype, long numel, long elementOffset) {}

  /** A tensor as {@code torch._utils._rebuild_tensor(_v2)} describes it: a strided view of a storage. */
  record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {}

  /** The storage classes the allow-list admits, by their torch name. */
  static final Map<String, DType> STORAGE_TYPES = Map.of(
      "FloatStorage", DType.F32,
      "DoubleStorage", DType.F64,
      "HalfStorage", DType.F16,
      "BFloat16Storage", DType.BF16,
      "LongStorage", DType.I64,
      "IntStorage", DType.I32,
      "ShortStorage", DType.I16,
      "CharStorage", DType.I8,
      "ByteStorage", DType.U8,
      "BoolStorage", DType.BOOL);

  /**
   * Every global a state-dict pickle may name: {@code collections.OrderedDict}, the tensor rebuilders
   * {@code torch._utils._rebuild_tensor}, {@code _rebuild_tensor_v2} and {@code _rebuild_parameter}
   * (an {@code nn.Parameter} saved outside a state dict), the ten storage classes of {@link
   * #STORAGE_TYPES}, and {@code _codecs.encode} (how Python 3 pickles {@code bytes} at protocol 2).
   */
  static final Set<String> ALLOWED = allowed();

  private static final Map<Integer, String> OPCODE_NAMES = opcodeNames();
  private static final int MAX_MEMO = 1 << 24;

  private final ByteBuffer in;
  private final String source;
  private final Function<Object, Object> persistentLoad;
  private final List<Object> stack = new ArrayList<>();
  private final List<Integer> marks = new ArrayList<>();
  private final Map<Long, Object> memo = new HashMap<>();
  private int opStart;

  private Pickle(ByteBuffer in, String source, Function<Object, Object> persistentLoad) {
    this.in = in.order(ByteOrder.LITTLE_ENDIAN);
    this.source = source;
    this.persistentLoad = persistentLoad;
  }

  /**
   * Reads one pickle starting at {@code in}'s position and leaves the position just after its STOP.
   *
   * @param source names the file (and record) in messages
   * @param persistentLoad maps a persistent id (BINPERSID) to its object; null: persistent ids are refused
   */
  static Object load(ByteBuffer in, String source, Function<Object, Object> persistentLoad) {
    return new Pickle(in, source, persistentLoad).run();
  }

  private Object run() {
    int op = -1;
    try {
      while (true) {
        opStart = in.position();
        op = in.get() & 0xFF;
        if (op == '.') {
          return pop();
        }
        step(op);
      }
    } catch (BufferUnderflowException e) {
      String where = op < 0 ? "" : " inside " + opcodeName(op);
      throw new BadInputException(source + ": truncated pickle: it ends at byte " + in.limit() + where
          + " (file cut short?)");
    }
  }

  private void step(int op) {
    switch (op) {
      case 0x80 -> { // PROTO
        int proto = in.get() & 0xFF;
        if (proto > 5) {
          throw bad("unsupported pickle protocol " + proto + " (at most 5)");
        }
      }
      case 0x95 -> in.getLong(); // FRAME: a length hint only
      case '(' -> marks.add(stack.size()); // MARK
      case '0' -> pop(); // POP
      case '1' -> popMark(); // POP_MARK
      case '2' -> push(peek()); // DUP
      case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
      case ']' -> push(new ArrayList<>()); // EMPTY_LIST
      case ')' -> push(new Tuple(new ArrayList<>())); // EMPTY_TUPLE
      case 'd' -> push(dictOf(popMark())); // DICT
      case 'l' -> push(new ArrayList<>(popMark())); // LIST
      case 't' -> push(new Tuple(new ArrayList<>(popMark()))); // TUPLE
      case 0x85 -> push(tupleOf(1)); // TUPLE1
      case 0x86 -> push(tupleOf(2)); // TUPLE2
      case 0x87 -> push(tupleOf(3)); // TUPLE3
      case 'a' -> { // APPEND
        Object v = pop();
        list(peek(), "APPEND").add(v);
      }
      case 'e' -> { // APPENDS
        List<Object> items = popMark();
        list(peek(), "APPENDS").addAll(items);
      }
      case 's' -> { // SETITEM
        Object v = pop();
        Object k = pop();
        dict(peek(), "SETITEM").put(key(k), v);
      }
      case 'u' -> { // SETITEMS
        List<Object> items = popMark();
        Map<Object, Object> d = dict(peek(), "SETITEMS");
        if (items.size() % 2 != 0) {
          throw bad("SETITEMS with an odd number of items");
        }
        for (int i = 0; i < items.size(); i += 2) {
          d.put(key(items.get(i)), items.get(i + 1));
        }
      }
      case 'q' -> memoPut(in.get() & 0xFF); // BINPUT
      case 'r' -> memoPut(in.getInt() & 0xFFFFFFFFL); // LONG_BINPUT (little-endian)
      case 0x94 -> memoPut(memo.size()); // MEMOIZE
      case 'h' -> memoGet(in.get() & 0xFF); // BINGET
      case 'j' -> memoGet(in.getInt() & 0xFFFFFFFFL); // LONG_BINGET
      case 'c' -> push(global(line(), line())); // GLOBAL
      case 0x93 -> { // STACK_GLOBAL
        Object name = pop();
        Object module = pop();
        if (!(module instanceof String m) || !(name instanceof String n)) {
          throw bad("STACK_GLOBAL needs two strings");
        }
        push(global(m, n));
      }
      case 'R' -> { // REDUCE
        Object args = pop();
        Object callable = pop();
        push(reduce(callable, args));
      }
      case 'b' -> build(); // BUILD
      case 'Q' -> { // BINPERSID
        Object pid = pop();
        if (persistentLoad == null) {
          throw bad("unexpected persistent id " + describe(pid));
        }
        push(persistentLoad.apply(pid));
      }
      case 'N' -> push(null); // NONE
      case 0x88 -> push(Boolean.TRUE); // NEWTRUE
      case 0x89 -> push(Boolean.FALSE); // NEWFALSE
      case 'J' -> push((long) in.getInt()); // BININT
      case 'K' -> push((long) (in.get() & 0xFF)); // BININT1
      case 'M' -> push((long) (in.getShort() & 0xFFFF)); // BININT2
      case 0x8a -> push(longOf(in.get() & 0xFF)); // LONG1
      case 0x8b -> push(longOf(length(in.getInt()))); // LONG4
      case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(in.getLong()))); // BINFLOAT (big-endian)
      case 'U' -> push(text(in.get() & 0xFF)); // SHORT_BINSTRING (Python 2 str)
      case 'T' -> push(text(length(in.getInt()))); // BINSTRING
      case 0x8c -> push(text(in.get() & 0xFF)); // SHORT_BINUNICODE
      case 'X' -> push(text(length(in.getInt()))); // BINUNICODE
      case 0x8d -> push(text(length(in.getLong()))); // BINUNICODE8
      case 'C' -> push(bytes(in.get() & 0xFF)); // SHORT_BINBYTES
      case 'B' -> push(bytes(length(in.getInt()))); // BINBYTES
      case 0x8e -> push(bytes(length(in.getLong()))); // BINBYTES8
      default -> {
        String name = OPCODE_NAMES.get(op);
        throw bad(name == null
            ? String.format(Locale.ROOT, "unknown pickle opcode 0x%02x (not a torch checkpoint, or corrupt)", op)
            : String.format(Locale.ROOT, "unsupported pickle opcode %s (0x%02x); a state dict does not use it", name, op));
      }
    }
  }

  private Object global(String module, String name) {
    String q = module + "." + name;
    if (!ALLOWED.contains(q)) {
      throw bad("refusing to load global " + q + ": only plain tensors and containers are read, never code "
          + "(allowed: collections.OrderedDict, torch._utils._rebuild_tensor(_v2), torch._utils._rebuild_parameter, "
          + "torch.*Storage, _codecs.encode)");
    }
    return new Global(module, name);
  }

  private Object reduce(Object callable, Object args) {
    if (!(callable instanceof Global g)) {
      throw bad("REDUCE on " + describe(callable) + ", not a callable global");
    }
    if (!(args instanceof Tuple t)) {
      throw bad("REDUCE of " + g.qualified() + " with arguments " + describe(args) + ", not a tuple");
    }
    return switch (g.qualified()) {
      case "collections.OrderedDict" -> orderedDict(t);
      case "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2" -> rebuildTensor(g, t);
      case "torch._utils._rebuild_parameter" -> {
        if (t.size() < 1 || !(t.get(0) instanceof TensorRef)) {
          throw bad("_rebuild_parameter needs a tensor, got " + describe(t));
        }
        yield t.get(0);
      }
      case "_codecs.encode" -> encode(t);
      default -> throw bad("cannot call " + g.qualified());
    };
  }

  private Map<Object, Object> orderedDict(Tuple t) {
    Map<Object, Object> d = new LinkedHashMap<>();
    if (t.size() == 0) {
      return d;
    }
    if (t.size() != 1 || !(t.get(0) instanceof List<?> pairs)) {
      throw bad("OrderedDict with arguments " + describe(t) + " (expected a list of pairs)");
    }
    for (Object p : pairs) {
      List<Object> kv = p instanceof Tuple pt ? pt.items() : p instanceof List<?> l ? new ArrayList<>(l) : null;
      if (kv == null || kv.size() != 2) {
        throw bad("OrderedDict item " + describe(p) + " is not a (key, value) pair");
      }
      d.put(key(kv.get(0)), kv.get(1));
    }
    return d;
  }

  private TensorRef rebuildTensor(Global g, Tuple t) {
    if (t.size() < 4 || t.size() > 7) {
      throw bad(g.name() + " with " + t.size() + " arguments (expected 4 to 7)");
    }
    if (!(t.get(0) instanceof StorageRef storage)) {
      throw bad(g.name() + ": first argument " + describe(t.get(0)) + " is not a storage");
    }
    long offset = integer(t.get(1), g.name() + " storage offset");
    long[] size = dims(t.get(2), g.name() + " size");
    long[] stride = dims(t.get(3), g.name() + " stride");
    if (size.length != stride.length) {
      throw bad(g.name() + ": size has " + size.length + " dimensions but stride " + stride.length);
    }
    return new TensorRef(storage, offset, size, stride);
  }

  private byte[] encode(Tuple t) {
    if (t.size() != 2 || !(t.get(0) instanceof String s) || !(t.get(1) instanceof String enc)
        || !(enc.equals("latin1") || enc.equals("latin-1"))) {
      throw bad("_codecs.encode with arguments " + describe(t) + " (expected (str, 'latin1'))");
    }
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** BUILD sets attributes; the only ones state dicts carry are an OrderedDict's {@code _metadata}, dropped. */
  private void build() {
    Object state = pop();
    Object target = peek();
    if (!(target instanceof Map)) {
      throw bad("BUILD on " + describe(target) + " with state " + describe(state) + " (only dicts take attributes)");
    }
  }

  /** A dict key: only plain values, so that hashing can never recurse through a crafted cycle. */
  private Object key(Object k) {
    if (k == null || k instanceof String || k instanceof Long || k instanceof BigInteger || k instanceof Double
        || k instanceof Boolean) {
      return k;
    }
    throw bad("dict key " + describe(k) + " is not a string or number");
  }

  private long[] dims(Object o, String what) {
    if (!(o instanceof Tuple t)) {
      throw bad(what + " " + describe(o) + " is not a tuple");
    }
    long[] out = new long[t.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = integer(t.get(i), what);
      if (out[i] < 0) {
        throw bad(what + " " + describe(o) + " has a negative entry");
      }
    }
    return out;
  }

  private long integer(Object o, String what) {
    if (o instanceof Long l) {
      return l;
    }
    throw bad(what + " " + describe(o) + " is not an integer");
  }

  private Tuple tupleOf(int n) {
    if (stack.size() - floor() < n) {
      throw bad("stack underflow");
    }
    List<Object> items = new ArrayList<>(stack.subList(stack.size() - n, stack.size()));
    stack.subList(stack.size() - n, stack.size()).clear();
    return new Tuple(items);
  }

  private Map<Object, Object> dictOf(List<Object> items) {
    if (items.size() % 2 != 0) {
      throw bad("DICT with an odd number of items");
    }
    Map<Object, Object> d = new LinkedHashMap<>();
    for (int i = 0; i < items.size(); i += 2) {
      d.put(key(items.get(i)), items.get(i + 1));
    }
    return d;
  }

  @SuppressWarnings("unchecked")
  private List<Object> list(Object o, String op) {
    if (o instanceof List<?> l) {
      return (List<Object>) l;
    }
    throw bad(op + " on " + describe(o) + ", not a list");
  }

  @SuppressWarnings("unchecked")
  private Map<Object, Object> dict(Object o, String op) {
    if (o instanceof Map<?, ?> m) {
      return (Map<Object, Object>) m;
    }
    throw bad(op + " on " + describe(o) + ", not a dict");
  }

  private void memoPut(long key) {
    if (memo.size() >= MAX_MEMO) {
      throw bad("memo grows beyond " + MAX_MEMO + " entries");
    }
    memo.put(key, peek());
  }

  private void memoGet(long key) {
    if (!memo.containsKey(key)) {
      throw bad("memo entry " + key + " was never stored (corrupt pickle)");
    }
    push(memo.get(key));
  }

  private Object longOf(int n) {
    byte[] le = new byte[n];
    in.get(le);
    if (n == 0) {
      return 0L;
    }
    byte[] be = new byte[n];
    for (int i = 0; i < n; i++) {
      be[i] = le[n - 1 - i];
    }
    BigInteger v = new BigInteger(be);
    return v.bitLength() < 64 ? (Object) v.longValue() : v;
  }

  private String text(int n) {
    byte[] b = new byte[n];
    in.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    in.get(b);
    return b;
  }

  /** A length field, checked against what is left so a lying length fails as truncation, not as OOM. */
  private int length(long n) {
    if (n < 0 || n > in.remaining()) {
      throw new BufferUnderflowException();
    }
    return (int) n;
  }

  private String line() {
    StringBuilder sb = new StringBuilder();
    while (true) {
      byte b = in.get();
      if (b == '\n') {
        return sb.toString();
      }
      if (sb.length() > 1000) {
        throw bad("GLOBAL name longer than 1000 characters");
      }
      sb.append((char) (b & 0xFF));
    }
  }

  private void push(Object o) {
    stack.add(o);
  }

  private int floor() {
    return marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
  }

  private Object pop() {
    if (stack.size() <= floor()) {
      throw bad("stack underflow (corrupt pickle)");
    }
    return stack.remove(stack.size() - 1);
  }

  private Object peek() {
    if (stack.size() <= floor()) {
      throw bad("stack underflow (corrupt pickle)");
    }
    return stack.get(stack.size() - 1);
  }

  private List<Object> popMark() {
    if (marks.isEmpty()) {
      throw bad("no MARK on the stack (corrupt pickle)");
    }
    int m = marks.remove(marks.size() - 1);
    List<Object> items = new ArrayList<>(stack.subList(m, stack.size()));
    stack.subList(m, stack.size()).clear();
    return items;
  }

  private BadInputException bad(String what) {
    return new BadInputException(source + ": pickle byte " + opStart + ": " + what);
  }

  /** A short description of a value for messages. */
  static String describe(Object o) {
    if (o == null) {
      return "None";
    }
    if (o instanceof String s) {
      return "'" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'";
    }
    if (o instanceof Long || o instanceof Double || o instanceof Boolean || o instanceof BigInteger) {
      return o.toString();
    }
    if (o instanceof Global g) {
      return g.qualified();
    }
    if (o instanceof Tuple t) {
      return "a tuple of " + t.size();
    }
    if (o instanceof List<?> l) {
      return "a list of " + l.size();
    }
    if (o instanceof Map<?, ?> m) {
      return "a dict of " + m.size();
    }
    if (o instanceof TensorRef) {
      return "a tensor";
    }
    if (o instanceof StorageRef) {
      return "a storage";
    }
    return o.getClass().getSimpleName();
  }

  private static String opcodeName(int op) {
    String name = OPCODE_NAMES.get(op);
    return name == null ? String.format(Locale.ROOT, "opcode 0x%02x", op) : name;
  }

  private static Set<String> allowed() {
    Set<String> s = new java.util.HashSet<>(Set.of(
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "_codecs.encode"));
    for (String storage : STORAGE_TYPES.keySet()) {
      s.add("torch." + storage);
    }
    return Set.copyOf(s);
  }

  private static Map<Integer, String> opcodeNames() {
    Map<Integer, String> m = new HashMap<>();
    String[] table = {
      "(MARK", ".STOP", "0POP", "1POP_MARK", "2DUP", "FFLOAT", "IINT", "JBININT", "KBININT1", "LLONG",
      "MBININT2", "NNONE", "PPERSID", "QBINPERSID", "RREDUCE", "SSTRING", "TBINSTRING", "USHORT_BINSTRING",
      "VUNICODE", "XBINUNICODE", "aAPPEND", "bBUILD", "cGLOBAL", "dDICT", "}EMPTY_DICT", "eAPPENDS", "gGET",
      "hBINGET", "iINST", "jLONG_BINGET", "lLIST", "]EMPTY_LIST", "oOBJ", "pPUT", "qBINPUT", "rLONG_BINPUT",
      "sSETITEM", "tTUPLE", ")EMPTY_TUPLE", "uSETITEMS", "GBINFLOAT", "BBINBYTES", "CSHORT_BINBYTES"
    };
    for (String e : table) {
      m.put((int) e.charAt(0), e.substring(1));
    }
    String[] high = {
      "PROTO", "NEWOBJ", "EXT1", "EXT2", "EXT4", "TUPLE1", "TUPLE2", "TUPLE3", "NEWTRUE", "NEWFALSE", "LONG1",
      "LONG4", "SHORT_BINUNICODE", "BINUNICODE8", "BINBYTES8", "EMPTY_SET", "ADDITEMS", "FROZENSET",
      "NEWOBJ_EX", "STACK_GLOBAL", "MEMOIZE", "FRAME", "BYTEARRAY8", "NEXT_BUFFER", "READONLY_BUFFER"
    };
    for (int i = 0; i < high.length; i++) {
      m.put(0x80 + i, high[i]);
    }
    return Map.copyOf(m);
  }
}
