package io.guestdata.store;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A throwaway PostgreSQL server for tests: {@code initdb} into a new temporary directory, started
 * with {@code pg_ctl} on a free 127.0.0.1 port (its unix socket in the same directory), stopped and
 * deleted by {@link #close()}. Password authentication (scram-sha-256) with a random password, so
 * nothing else on the machine can use it.
 *
 * <p>{@code initdb} refuses to run as root, so as root the server's commands run as the
 * {@code postgres} system user ({@code runuser -u postgres --}), which owns the directory; as any
 * other user they run as that user. The binaries are those of the newest
 * {@code /usr/lib/postgresql/<major>/bin}, or of the directory the {@code guestdata.test.postgresql.bin}
 * system property names.
 */
public final class PostgresServer implements AutoCloseable {

    static final Path DEFAULT_BIN = Path.of("/usr/lib/postgresql/15/bin");
    private static final String SUPERUSER = "postgres";

    private final Path bin;
    private final Path base;
    private final boolean asPostgresUser;
    private final int port;
    private final String password;
    private final AtomicInteger databases = new AtomicInteger();

    private PostgresServer(Path bin, Path base, boolean asPostgresUser, int port, String password) {
        this.bin = bin;
        this.base = base;
        this.asPostgresUser = asPostgresUser;
        this.port = port;
        this.password = password;
    }

    /**
     * Creates and starts a server.
     *
     * @throws IllegalStateException when the PostgreSQL server binaries are not installed
     */
    public static PostgresServer start() throws IOException, InterruptedException {
        Path bin = binaries();
        for (String tool : List.of("initdb", "pg_ctl", "postgres")) {
            if (!Files.isExecutable(bin.resolve(tool))) {
                throw new IllegalStateException("the PostgreSQL server binaries are not installed (" + bin.resolve(tool)
                        + " is missing): apt-get install postgresql, or point -Dguestdata.test.postgresql.bin at "
                        + "the directory holding initdb, pg_ctl and postgres");
            }
        }
        boolean root = ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        Path base = Files.createTempDirectory("guestdata-pg-", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        try {
            String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
            Path passwordFile = base.resolve("pwfile");
            Files.writeString(passwordFile, password + "\n", StandardCharsets.US_ASCII);
            if (root) {
                UserPrincipal postgres = base.getFileSystem().getUserPrincipalLookupService()
                        .lookupPrincipalByName(SUPERUSER);
                Files.setOwner(base, postgres);
                Files.setOwner(passwordFile, postgres);
            }
            PostgresServer server = null;
            for (int attempt = 1; server == null; attempt++) {
                PostgresServer candidate = new PostgresServer(bin, base, root, freePort(), password);
                if (attempt == 1) {
                    candidate.run(60, bin.resolve("initdb").toString(), "-D", base.resolve("data").toString(),
                            "-U", SUPERUSER, "--auth=scram-sha-256", "--pwfile=" + passwordFile, "-E", "UTF8",
                            "--locale=C", "--no-sync");
                }
                try {
                    candidate.pgCtlStart();
                    server = candidate;
                } catch (IOException e) {
                    if (attempt == 3) {
                        throw e; // the free port was taken between probing and starting, three times
                    }
                }
            }
            return server;
        } catch (IOException | InterruptedException | RuntimeException e) {
            deleteTree(base, e);
            throw e;
        }
    }

    /** {@link #start()}, or the calling test aborted (skipped) when the PostgreSQL server binaries are not installed. */
    public static PostgresServer startOrAbort() throws IOException, InterruptedException {
        try {
            return start();
        } catch (IllegalStateException e) {
            org.junit.jupiter.api.Assumptions.abort(e.getMessage());
            throw e; // not reached: abort throws
        }
    }

    /**
     * The {@code guestdata.test.postgresql.bin} property, else the newest
     * {@code /usr/lib/postgresql/<major>/bin} with an {@code initdb} (Debian's layout), else
     * {@link #DEFAULT_BIN}.
     */
    private static Path binaries() throws IOException {
        String configured = System.getProperty("guestdata.test.postgresql.bin");
        if (configured != null) {
            return Path.of(configured);
        }
        Path versions = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(versions)) {
            return DEFAULT_BIN;
        }
        try (var majors = Files.list(versions)) {
            return majors.filter(dir -> dir.getFileName().toString().matches("\\d+"))
                    .filter(dir -> Files.isExecutable(dir.resolve("bin/initdb")))
                    .max(java.util.Comparator.comparingInt(dir -> Integer.parseInt(dir.getFileName().toString())))
                    .map(dir -> dir.resolve("bin"))
                    .orElse(DEFAULT_BIN);
        }
    }

    /** JDBC URL of {@code database} on this server, credentials included. */
    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=" + SUPERUSER + "&password=" + password;
    }

    /** Creates a new, empty database and returns its name. */
    public String createDatabase() throws SQLException {
        String name = "test_" + databases.incrementAndGet();
        try (Connection admin = DriverManager.getConnection(url("postgres"));
             Statement statement = admin.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        }
        return name;
    }

    private void pgCtlStart() throws IOException, InterruptedException {
        run(90, bin.resolve("pg_ctl").toString(), "-D", base.resolve("data").toString(),
                "-l", base.resolve("server.log").toString(), "-w", "-t", "60",
                "-o", "-p " + port + " -k " + base + " -c listen_addresses=127.0.0.1"
                        + " -c max_connections=300",
                "start");
    }

    /**
     * Stops the server as an outage would ({@code pg_ctl stop -m fast}: connections are cut, new ones refused),
     * keeping its data; {@link #startAgain()} brings it back on the same port.
     */
    public void stop() throws IOException, InterruptedException {
        run(60, bin.resolve("pg_ctl").toString(), "-D", base.resolve("data").toString(), "-m", "fast", "-w", "stop");
    }

    /** Starts the server stopped by {@link #stop()} again, on the same port with the same data. */
    public void startAgain() throws IOException, InterruptedException {
        pgCtlStart();
    }

    /** Stops the server ({@code pg_ctl stop -m fast}) and deletes its directory. */
    @Override
    public void close() throws IOException {
        try {
            if (Files.exists(base.resolve("data/postmaster.pid"))) { // not when a test left it stopped
                stop();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping the test PostgreSQL server", e);
        } finally {
            deleteTree(base, null);
        }
    }

    private void run(int timeoutSeconds, String... command) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>();
        if (asPostgresUser) {
            argv.addAll(List.of("runuser", "-u", SUPERUSER, "--"));
        }
        argv.addAll(List.of(command));
        Path output = Files.createTempFile("guestdata-pg-command-", ".log");
        try {
            Process process = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(output.toFile())
                    .directory(base.toFile()).start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", argv) + " did not finish in " + timeoutSeconds + " s");
            }
            if (process.exitValue() != 0) {
                String log = Files.exists(base.resolve("server.log")) ? Files.readString(base.resolve("server.log")) : "";
                throw new IOException(String.join(" ", argv) + " failed (exit " + process.exitValue() + "):\n"
                        + Files.readString(output) + log);
            }
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void deleteTree(Path root, Throwable failure) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            if (failure == null) {
                throw e;
            }
            failure.addSuppressed(e);
        }
    }
}
