package io.guestdata.inject;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.inject.InjectionReport.Entry;
import io.guestdata.inject.InjectionReport.Status;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * The JSON form of an {@link InjectionReport} (docs/injection.md, "JSON"), shared by {@code guestdata inject
 * --json} and the management API's {@code POST /v1/instances/{uuid}/inject}: {@code image}, {@code format},
 * {@code target}, {@code backend}, {@code dry_run}, {@code outcome}, the command's {@code exit_code} when
 * given, {@code entries}, {@code counts} and {@code notes}.
 */
public final class InjectionReportJson {
    private InjectionReportJson() {
    }

    /** The report; {@code exitCode} is the command's exit code, written after {@code outcome} when present. */
    public static ObjectNode toJson(InjectionReport report, OptionalInt exitCode) {
        Objects.requireNonNull(report, "report");
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("image", report.image());
        root.put("format", report.format().orElse(null));
        root.put("target", report.target().orElse(null));
        root.put("backend", report.backend().orElse(null));
        root.put("dry_run", report.dryRun());
        root.put("outcome", outcomeLabel(report.outcome()));
        exitCode.ifPresent(code -> root.put("exit_code", code));
        ArrayNode entries = root.putArray("entries");
        for (Entry e : report.entries()) {
            ObjectNode o = entries.addObject();
            o.put("item", e.item().label());
            o.put("action", e.action());
            o.put("path", e.path().orElse(null));
            if (e.bytes().isPresent()) {
                o.put("bytes", e.bytes().getAsLong());
            } else {
                o.putNull("bytes");
            }
            o.put("mode", e.mode().isPresent() ? e.modeText() : null);
            o.put("owner", e.owner().map(Owner::toString).orElse(null));
            if (e.owner().isPresent()) {
                o.put("uid", Integer.toUnsignedLong(e.owner().get().uid()));
                o.put("gid", Integer.toUnsignedLong(e.owner().get().gid()));
            } else {
                o.putNull("uid");
                o.putNull("gid");
            }
            o.put("status", e.status().label().replace(' ', '_'));
            o.put("detail", e.detail());
        }
        ObjectNode counts = root.putObject("counts");
        for (Status s : Status.values()) {
            counts.put(s.label().replace(' ', '_'), report.count(s));
        }
        ArrayNode notes = root.putArray("notes");
        report.notes().forEach(notes::add);
        return root;
    }

    /** {@code done}, {@code planned}, {@code nothing_to_do}, {@code refused}, {@code failed}, {@code partial}. */
    public static String outcomeLabel(InjectionReport.Outcome outcome) {
        return outcome.label().replace(' ', '_');
    }
}
