package io.guestdata.inject.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The values of C expressions ({@code offsetof}, {@code sizeof}, macros, enum constants) as the
 * installed headers give them: a C program printing each is generated, compiled with gcc
 * ({@code -Wall -Werror}) and run. What the layout tests compare the FFM bindings' constants with.
 */
public final class CHeaderValues {
    private CHeaderValues() {
    }

    /**
     * @param includes    the headers, e.g. {@code ext2fs/ext2fs.h}
     * @param expressions C expressions of an integer type
     * @param dir         where the program is written and built
     * @return expression → value, in the order given
     */
    public static Map<String, Long> of(List<String> includes, Collection<String> expressions, Path dir)
            throws IOException {
        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n");
        for (String include : includes) {
            c.append("#include <").append(include).append(">\n");
        }
        c.append("int main(void) {\n");
        for (String expr : expressions) {
            c.append("    printf(\"%s=%lld\\n\", \"").append(expr.replace("\"", "\\\""))
                    .append("\", (long long) (").append(expr).append("));\n");
        }
        c.append("    return 0;\n}\n");
        Path source = dir.resolve("layout.c");
        Path binary = dir.resolve("layout");
        Files.writeString(source, c);
        Ext2Tools.runOk(List.of("gcc", "-Wall", "-Werror", "-o", binary.toString(), source.toString()));
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : Ext2Tools.runOk(List.of(binary.toString())).stdout().lines().toList()) {
            int eq = line.lastIndexOf('=');
            values.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1)));
        }
        return values;
    }
}
