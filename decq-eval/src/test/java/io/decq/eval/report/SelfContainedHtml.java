package io.decq.eval.report;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Test helper for every eval command's HTML page: it must open with no network. */
public final class SelfContainedHtml {
  private SelfContainedHtml() {}

  /** Every src/href is inline data or an in-page anchor; no scripts, style sheets or URLs. */
  public static void assertSelfContained(String page) {
    Matcher m = Pattern.compile("(?i)(src|href|xlink:href)\\s*=\\s*\"([^\"]*)\"").matcher(page);
    while (m.find()) {
      String v = m.group(2);
      assertTrue(v.startsWith("data:") || v.startsWith("#"), "external reference: " + v);
    }
    String lower = page.toLowerCase(Locale.ROOT);
    assertFalse(Pattern.compile("(https?|ftp):|url\\(\\s*['\"]?(?!data:)|//[a-z0-9.-]+\\.[a-z]{2,}/").matcher(lower).find(),
        "a URL in the page");
    assertFalse(lower.contains("<script"), "a script in the page");
    assertFalse(lower.contains("<link"), "a linked resource in the page");
    assertFalse(lower.contains("@import"), "an imported style sheet");
  }
}
