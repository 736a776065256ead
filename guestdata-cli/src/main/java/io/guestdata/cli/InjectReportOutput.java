package io.guestdata.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.inject.InjectionReport;
import io.guestdata.inject.InjectionReportJson;
import io.guestdata.inject.InjectionReport.Entry;
import io.guestdata.inject.InjectionReport.Status;
import io.guestdata.inject.Owner;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/** The injection report as a table for people or as JSON for programs (format in docs/injection.md). */
final class InjectReportOutput {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String[] HEADER = {"ITEM", "ACTION", "PATH", "BYTES", "MODE", "OWNER", "STATUS"};

    private InjectReportOutput() {
    }

    /** A header line, one row per entry (refusals, failures and skips with their reason beneath), notes, a summary. */
    static void table(InjectionReport report, PrintWriter out) {
        StringBuilder where = new StringBuilder(report.image());
        report.format().ifPresent(f -> where.append(" (").append(f).append(')'));
        report.target().ifPresent(t -> where.append(", ").append(t));
        report.backend().ifPresent(b -> where.append(", backend ").append(b));
        out.println((report.dryRun() ? "dry run: " : "inject: ") + where);
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        for (Entry e : report.entries()) {
            rows.add(new String[] {e.item().label(), e.action(), e.path().orElse("-"),
                    e.bytes().isPresent() ? Long.toString(e.bytes().getAsLong()) : "-", e.modeText(),
                    e.owner().map(Owner::toString).orElse("-"), e.status().label()});
        }
        int[] width = new int[HEADER.length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (int n = 0; n < rows.size(); n++) {
            String[] r = rows.get(n);
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                boolean right = i == 3;
                String cell = right ? " ".repeat(width[i] - r[i].length()) + r[i] : r[i];
                line.append(cell);
                if (i < r.length - 1) {
                    line.append(right ? "" : " ".repeat(width[i] - r[i].length())).append("  ");
                }
            }
            out.println(line.toString().stripTrailing());
            if (n > 0) {
                Entry e = report.entries().get(n - 1);
                if (e.status() == Status.REFUSED || e.status() == Status.FAILED || e.status() == Status.SKIPPED) {
                    out.println("    " + e.detail());
                }
            }
        }
        for (String note : report.notes()) {
            out.println("note: " + note);
        }
        out.println(summary(report));
    }

    /** {@code done: 13 written}, {@code refused: nothing written (1 refused, 12 not written)}, … */
    static String summary(InjectionReport report) {
        List<String> counts = new ArrayList<>();
        for (Status s : Status.values()) {
            long n = report.count(s);
            if (n > 0) {
                counts.add(n + " " + s.label());
            }
        }
        String c = String.join(", ", counts);
        return switch (report.outcome()) {
            case DONE -> "done: " + c;
            case PLANNED -> "dry run: " + c + "; nothing was written";
            case NOTHING_TO_DO -> "nothing to inject" + (c.isEmpty() ? "" : " (" + c + ")") + "; the image was not opened";
            case REFUSED -> (report.dryRun() ? "dry run: refused" : "refused") + ": nothing was written (" + c + ")";
            case FAILED -> "failed: " + c;
            case PARTIAL -> (report.dryRun() ? "dry run: partial" : "partial") + ": " + c;
        };
    }

    static String json(InjectionReport report) {
        return write(InjectionReportJson.toJson(report, OptionalInt.of(InjectCommand.exitCode(report))));
    }

    /** The JSON for a failure before any report: outcome {@code error}. */
    static String jsonError(String image, boolean dryRun, int exitCode, String message) {
        ObjectNode root = JSON.createObjectNode();
        root.put("image", image);
        root.put("dry_run", dryRun);
        root.put("outcome", "error");
        root.put("exit_code", exitCode);
        root.put("error", message);
        root.putArray("entries");
        return write(root);
    }

    private static String write(ObjectNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
