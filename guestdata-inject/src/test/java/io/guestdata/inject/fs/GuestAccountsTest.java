package io.guestdata.inject.fs;

import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuestAccountsTest {

    private static final String PASSWD = """
            # /etc/passwd with the odd lines real images have
            root:x:0:0:root:/root:/bin/bash

               \t
            daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
            +nisuser::::::
            -blocked::::::
            +
            broken line without colons
            baduid:x:abc:1::/:/bin/sh
            toolarge:x:4294967296:1::/:/bin/sh
            nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
            big:x:4294967294:70000:big:/home/big:/bin/sh
            root:x:999:999:second root is ignored:/:/bin/sh
            short:x:5:6
            crlf:x:7:8::/home/crlf:/bin/sh\r
            """;

    private static final String GROUP = """
            root:x:0:
            # comment
            +@netgroup
            ssh_keys:x:998:
            wheel:x:10:root,admin
            wheel:x:11:
            nogid:x::
            """;

    private final GuestAccounts accounts = GuestAccounts.parse(PASSWD.getBytes(), GROUP.getBytes());

    @Test
    void users_by_name() {
        assertEquals(OptionalInt.of(0), accounts.uid("root"));
        assertEquals(OptionalInt.of(0), accounts.primaryGid("root"));
        assertEquals("/root", accounts.user("root").orElseThrow().home());
        assertEquals(OptionalInt.of(65534), accounts.uid("nobody"));
        assertEquals(OptionalInt.of((int) 4294967294L), accounts.uid("big"));
        assertEquals(OptionalInt.of(70000), accounts.primaryGid("big"));
        assertEquals(OptionalInt.of(5), accounts.uid("short"));
        assertEquals(OptionalInt.of(7), accounts.uid("crlf"));
        assertEquals("/home/crlf", accounts.user("crlf").orElseThrow().home());
    }

    @Test
    void comments_blank_nis_and_malformed_lines_are_skipped() {
        for (String absent : new String[] {"+nisuser", "nisuser", "-blocked", "+", "broken line without colons",
                "baduid", "toolarge", "# /etc/passwd with the odd lines real images have"}) {
            assertTrue(accounts.uid(absent).isEmpty(), absent);
        }
        assertEquals(6, accounts.users().size());
    }

    @Test
    void groups_by_name_first_line_wins() {
        assertEquals(OptionalInt.of(0), accounts.gid("root"));
        assertEquals(OptionalInt.of(998), accounts.gid("ssh_keys"));
        assertEquals(OptionalInt.of(10), accounts.gid("wheel"));
        assertTrue(accounts.gid("nogid").isEmpty());
        assertTrue(accounts.gid("+@netgroup").isEmpty());
        assertEquals(3, accounts.groups().size());
    }

    @Test
    void empty_files_give_no_accounts() {
        GuestAccounts none = GuestAccounts.parse(new byte[0], new byte[0]);
        assertTrue(none.users().isEmpty());
        assertTrue(none.uid("root").isEmpty());
    }
}
