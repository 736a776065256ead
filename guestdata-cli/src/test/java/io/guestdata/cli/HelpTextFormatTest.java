package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * picocli formats every description with {@link String#format} (so {@code %n} is a line break); when that fails it
 * prints "[picocli WARN] Could not format …" on stderr at every {@code --help} (and in the man pages and completion
 * the package generates): a literal {@code %}, as in {@code fe80::a9fe:a9fe%tap0}, must be written {@code %%}. The
 * help of every command renders without a warning.
 */
class HelpTextFormatTest {

    @Test
    void everyCommandsHelpRendersWithoutAWarning() {
        List<String> rendered = new ArrayList<>();
        String warnings = stderrOf(() -> visit(Main.commandLine(), rendered));
        assertTrue(rendered.contains("guestdata proxy") && rendered.contains("guestdata serve"), "missing commands rendered: " + rendered);
        assertEquals("", warnings, "picocli warned while rendering the help of " + rendered);
    }

    @Test
    void anUnescapedPercentSignIsCaught() {
        String warnings = stderrOf(() -> new CommandLine(new Unescaped()).getUsageMessage());
        assertTrue(warnings.contains("picocli WARN"), warnings);
    }

    @Command(name = "unescaped")
    static final class Unescaped {
        @Option(names = "--listen", description = "e.g. '[fe80::a9fe:a9fe%tap0]:80'")
        String listen;
    }

    private static void visit(CommandLine cl, List<String> rendered) {
        cl.getUsageMessage();
        rendered.add(cl.getCommandSpec().qualifiedName());
        cl.getSubcommands().values().forEach(sub -> visit(sub, rendered));
    }

    /** What picocli's tracer printed while {@code action} ran: it looks up {@code System.err} at every message. */
    private static synchronized String stderrOf(Runnable action) {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(saved);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
