package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.testkit.Command;
import io.guestdata.testkit.ToolTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.AutoComplete;

/**
 * The bash completion the Debian package ships (tools/deb/CommandDocs.java generates it from the same model) is a
 * script bash accepts, and completes: picocli names a variable after an option's parameter label, so a label that
 * is not a shell word (such as {@code 26|31}) broke the whole script, which package-test found only after Maven.
 */
@ToolTest
class BashCompletionTest {

    @Test
    void theGeneratedCompletionLoadsAndCompletesSubcommandsAndOptions(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("guestdata");
        Files.writeString(script, AutoComplete.bash("guestdata", Main.commandLine()), StandardCharsets.UTF_8);
        Command.Result syntax = Tool.run(List.of("bash", "-n", script.toString()));
        assertEquals(0, syntax.exit(), syntax.stderr());
        String probe = ". " + script + " || exit 1\n"
                + "complete -p guestdata >/dev/null || exit 2\n"
                + "fn=$(complete -p guestdata | sed -n 's/.*-F \\([^ ]*\\).*/\\1/p')\n"
                + "COMP_WORDS=(guestdata config); COMP_CWORD=1; COMP_LINE='guestdata config'; COMP_POINT=${#COMP_LINE}\n"
                + "\"$fn\" guestdata config guestdata; echo \"subcommands: ${COMPREPLY[*]}\"\n"
                + "COMP_WORDS=(guestdata metadata --nova-r); COMP_CWORD=2; COMP_LINE='guestdata metadata --nova-r';"
                + " COMP_POINT=${#COMP_LINE}\n"
                + "\"$fn\" guestdata --nova-r metadata; echo \"options: ${COMPREPLY[*]}\"\n";
        Command.Result r = Tool.run(List.of("bash", "-c", probe));
        assertEquals(0, r.exit(), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains("subcommands: configdrive"), r.stdout());
        assertTrue(r.stdout().contains("options: --nova-release"), r.stdout());
    }
}
