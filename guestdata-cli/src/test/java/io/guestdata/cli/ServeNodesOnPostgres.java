package io.guestdata.cli;

import io.guestdata.store.PostgresServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tests running {@code guestdata serve} nodes on one throwaway PostgreSQL for the whole class (a new database per
 * test: {@code postgres.createDatabase()}), skipped without the PostgreSQL server binaries; {@link #dir} is the nodes'
 * working directory.
 */
abstract class ServeNodesOnPostgres {
    static PostgresServer postgres;

    @TempDir
    Path dir;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = PostgresServer.startOrAbort();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }
}
