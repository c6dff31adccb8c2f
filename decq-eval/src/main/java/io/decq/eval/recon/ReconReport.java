package io.decq.eval.recon;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.decq.eval.iq.IqReport;
import io.decq.eval.report.HtmlReport;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The JSON and HTML forms of a {@link ReconEvaluation.Result}. */
public final class ReconReport {
  private ReconReport() {}

  /**
   * {@code eval iq}'s JSON ({@code ssim_definition}, {@code psnr_definition}, {@code count}, {@code
   * per_image}, {@code mean}) plus {@code rfid} (null when not computed), {@code rfid_preprocess}, {@code
   * images_per_second}, the entries of {@code about} (e.g. {@code checkpoint}, {@code checkpoint_step},
   * {@code weights}) and {@code provenance}.
   *
   * @param about strings and numbers describing what was evaluated
   */
  public static JsonObject toJson(ReconEvaluation.Result r, String rfidPreprocess, Map<String, ?> about,
      JsonObject provenance) {
    JsonObject json = IqReport.toJson(r.quality(), provenance);
    JsonElement p = json.remove("provenance");
    json.addProperty("rfid", r.rfid());
    json.addProperty("rfid_preprocess", r.rfid() == null ? null : rfidPreprocess);
    json.addProperty("images_per_second", r.imagesPerSecond());
    about.forEach((k, v) -> json.add(k, v instanceof Number n ? new JsonPrimitive(n) : new JsonPrimitive(String.valueOf(v))));
    json.add("provenance", p);
    return json;
  }

  /**
   * The page: the summary (means, rFID, {@code about}), the per-image table, input | reconstruction of the
   * pairs with the lowest PSNR, the training curves of the run {@code checkpoint} belongs to (if found) and
   * the provenance.
   *
   * @param checkpoint where to look for the run's {@code metrics.jsonl}, or null
   */
  public static HtmlReport toHtml(ReconEvaluation.Result r, String rfidPreprocess, Map<String, ?> about, Path checkpoint,
      JsonObject provenance) {
    HtmlReport html = new HtmlReport("Reconstruction: PSNR, SSIM, rFID");
    html.text(String.format(Locale.ROOT, "%d images reconstructed (%.2f images/s). PSNR: %s. SSIM: %s. %s",
        r.quality().perImage().size(), r.imagesPerSecond(), IqReport.psnrText(r.quality().psnrDefinition()),
        IqReport.ssimText(r.quality().ssimDefinition()), r.rfid() == null
            ? "rFID: not computed (pass --inception W)."
            : "rFID: Frechet distance between the FID-Inception pool3 statistics of the inputs and of the "
                + "reconstructions (preprocess " + rfidPreprocess + ")."));
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("rFID", r.rfid() == null ? "n/a" : r.rfid());
    extra.putAll(about);
    IqReport.scoreTables(html, r.quality(), extra);
    IqReport.pairs(html, r.worst(), "input", "reconstruction");
    if (checkpoint != null) {
      html.lossCurvesNear(checkpoint);
    }
    return html.provenance(provenance);
  }
}
