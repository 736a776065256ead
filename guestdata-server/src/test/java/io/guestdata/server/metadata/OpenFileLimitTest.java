package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class OpenFileLimitTest {

    /** The limit read is the kernel's for this process: the soft "Max open files" of /proc/self/limits. */
    @Test
    void theLimitIsThisProcesssSoftRlimitNofile() throws Exception {
        String line = Files.readAllLines(Path.of("/proc/self/limits")).stream()
                .filter(l -> l.startsWith("Max open files")).findFirst().orElseThrow();
        String soft = line.substring("Max open files".length()).strip().split("\\s+")[0];
        assertEquals(Long.parseLong(soft), OpenFileLimit.ofThisProcess(), line);
    }

    @Test
    void whatFitsLeavesTheReserveAndCountsEveryListenerAndDescriptor() {
        assertEquals(1000, OpenFileLimit.fitting(1256, 1, 1));
        assertEquals(250, OpenFileLimit.fitting(1256, 2, 2));
        assertEquals(1, OpenFileLimit.fitting(100, 1, 1), "at least one connection, however low the limit");
        assertTrue(OpenFileLimit.excess(1000, 1256, 1, 1).isEmpty(), "exactly at the limit fits");
        assertTrue(OpenFileLimit.excess(-1, 1256, 1, 1).isEmpty(), "no limit is the operator's choice");
        assertEquals("1001 connections need 1257 open files (1 per connection and 256 for the rest), but this process may"
                + " open 1256 (ulimit -n; LimitNOFILE= in a systemd unit): a listener out of descriptors stops accepting"
                + " for good; raise the limit or allow at most 1000", OpenFileLimit.excess(1001, 1256, 1, 1).orElseThrow());
        assertTrue(OpenFileLimit.excess(300, 1256, 2, 2).orElseThrow().startsWith("300 connections on each of 2 listeners"
                + " need 1456 open files"));
    }
}
