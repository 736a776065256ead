package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The table of {@code serve}'s settings is what the flags, the docs and the messages are made of. */
class ServeSettingTest {
    private static final Pattern ROW = Pattern.compile("^\\| `([a-z-]+)` \\| ([^|]*) \\|");

    @Test
    void docsServeMdListsEverySettingInTheTablesOrderWithItsDefault() throws Exception {
        Map<String, String> documented = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("..", "docs", "serve.md"))) {
            Matcher row = ROW.matcher(line);
            if (row.find()) {
                documented.put(row.group(1), row.group(2).strip());
            }
        }
        assertEquals(Arrays.stream(ServeSetting.values()).map(ServeSetting::key).toList(),
                List.copyOf(documented.keySet()));
        for (ServeSetting setting : ServeSetting.values()) {
            String cell = documented.get(setting.key());
            String expected = setting.derivedDefault().orElse(setting.defaultValue());
            if (expected == null || expected.isEmpty()) {
                assertTrue(!cell.startsWith("`"), setting.key() + ": documented default " + cell);
            } else {
                assertTrue(cell.equals(expected) || cell.startsWith("`" + expected + "`"),
                        setting.key() + ": documented default " + cell + ", the table's " + expected);
            }
        }
    }

    @Test
    void everySettingButASecretIsAFlagOfServe() {
        CommandLine serve = Main.commandLine(new ByteArrayOutputStream(), Map.of(), "serve").getSubcommands()
                .get("serve");
        List<String> flags = new ArrayList<>();
        for (CommandLine.Model.OptionSpec option : serve.getCommandSpec().options()) {
            flags.add(option.longestName());
        }
        for (ServeSetting setting : ServeSetting.values()) {
            assertEquals(!setting.secret(), flags.contains("--" + setting.key()), setting.key());
        }
        assertEquals(List.of("--check-config", "--config", "--help", "--version"),
                flags.stream().filter(f -> ServeSetting.byKeyOrFormer(f.substring(2)).isEmpty()).sorted().toList());
        for (ServeSetting setting : ServeSetting.values()) {
            setting.formerKey().ifPresent(former -> assertTrue(serve.getCommandSpec().findOption("--" + former).hidden(),
                    "the former name --" + former + " is accepted but hidden"));
        }
    }

    @Test
    void aRefusedCombinationNamesTheSettingTheServerNames() throws Exception {
        ServeSettings.ConfigError trusted = assertThrows(
                ServeSettings.ConfigError.class, () -> ServeSettings.resolve(Map.of("mode", "proxy",
                        "trusted-proxies", List.of("10.0.0.0/8")), Map.of(), Optional.empty()).serverConfig());
        assertEquals("trusted-proxies: trusted proxies apply to address mode only; in proxy mode the proxy is "
                + "authenticated by its signature (mode from --mode)", trusted.getMessage());
        ServeSettings.ConfigError secret = assertThrows(
                ServeSettings.ConfigError.class, () -> ServeSettings.resolve(Map.of(),
                        Map.of("GUESTDATA_MODE", "provider"), Optional.empty()).serverConfig());
        assertTrue(secret.getMessage().startsWith("shared-secret: provider mode needs a shared secret"),
                secret.getMessage());
        assertTrue(secret.getMessage().endsWith("(mode from GUESTDATA_MODE)"), secret.getMessage());
    }

    @Test
    void theEnvironmentVariableIsTheKeyInCapitals() {
        assertEquals("GUESTDATA_MAX_CONNECTIONS_PER_SOURCE",
                ServeSetting.MAX_CONNECTIONS_PER_SOURCE.environmentVariable());
        assertFalse(ServeSetting.API_TOKEN.flag().isPresent());
    }
}
