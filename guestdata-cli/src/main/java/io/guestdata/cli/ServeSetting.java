package io.guestdata.cli;

import io.guestdata.core.metadata.NovaRelease;
import io.guestdata.server.metadata.ConnectionLimits;
import io.guestdata.server.metadata.RefusedSetting;
import io.guestdata.server.metadata.RequestRate;
import io.guestdata.server.metadata.StoreInstanceDirectory;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The settings of {@code guestdata serve}: each key is spelled here once, and the flag ({@code --key}), the
 * environment variable ({@code GUESTDATA_KEY}), the YAML key, {@code --check-config}'s lines, the error messages
 * and {@code --help} are all made from it. docs/serve.md's table lists them in this order ({@code ServeSettingTest}
 * holds it to that).
 */
enum ServeSetting {
    DATA_DIR("data-dir", Kind.TEXT, "./guestdata-data", "DIR",
            "data directory of the default SQLite store (default {default})"),
    STORE("store", Kind.TEXT, null, "URL", "sqlite:DIR-or-FILE or jdbc:postgresql://… (default {default})",
            "sqlite:<data-dir>"),
    LISTEN("listen", Kind.LIST, "127.0.0.1:8775", "HOST:PORT",
            "metadata listener (default {default}); repeat for several, e.g. the IPv4 and "
                    + "'[fe80::a9fe:a9fe%tap0]:80'"),
    API_LISTEN("api-listen", Kind.TEXT, "127.0.0.1:8774", "HOST:PORT|none",
            "management API listener (default {default})"),
    METRICS_LISTEN("metrics-listen", Kind.TEXT, "127.0.0.1:9775", "HOST:PORT|none",
            "health and metrics listener (default {default})"),
    MODE("mode", Kind.TEXT, "address", "address|proxy|provider", "identification mode (default {default})"),
    SHARED_SECRET("shared-secret", Kind.SECRET, null, null, null),
    SHARED_SECRET_FILE("shared-secret-file", Kind.TEXT, null, "FILE", "the proxy's shared secret"),
    TRUSTED_PROXIES("trusted-proxies", Kind.LIST, "", "CIDR", "peers whose X-Forwarded-For is believed (address mode)"),
    MAX_CONNECTIONS("max-connections", Kind.TEXT, Integer.toString(ConnectionLimits.DEFAULT_MAX_CONNECTIONS), "N",
            "connections of each metadata listener (default {default}, lowered to what the open-file limit allows; a "
                    + "larger N than fits is refused)"),
    MAX_CONNECTIONS_PER_SOURCE("max-connections-per-source", Kind.TEXT,
            Integer.toString(ConnectionLimits.DEFAULT_MAX_PER_SOURCE), "N",
            "connections from one source address; more are closed at once (default {default})"),
    FIRST_REQUEST_TIMEOUT("first-request-timeout", Kind.TEXT,
            wholeSeconds(ConnectionLimits.DEFAULT_FIRST_REQUEST_TIMEOUT), "SECONDS",
            "a new connection without a complete request head by then is closed (default {default})"),
    IDLE_TIMEOUT("idle-timeout", Kind.TEXT, wholeSeconds(ConnectionLimits.DEFAULT_IDLE_TIMEOUT), "SECONDS",
            "a kept-alive connection idle this long is closed (default {default})"),
    REQUEST_RATE("request-rate", Kind.TEXT, Integer.toString(RequestRate.DEFAULT_PER_SECOND), "N|off",
            "requests a second per instance (per client address until identified), sustained; more are answered 429 "
                    + "with Retry-After; 0 or off: no limit (default {default})"),
    REQUEST_BURST("request-burst", Kind.TEXT, Integer.toString(RequestRate.DEFAULT_BURST), "N",
            "requests an instance may send at once before request-rate applies (default {default})"),
    IMDS_TOKENS("imds-tokens", Kind.TEXT, "optional", "off|optional|required", "IMDSv2 policy (default {default})"),
    IMDS_TOKEN_KEY_FILE("imds-token-key-file", Kind.TEXT, null, "FILE",
            "IMDSv2 token key, >= 32 bytes, the same on every node"),
    DHCP_DOMAIN("dhcp-domain", Kind.TEXT, "novalocal", "DOMAIN", "appended to hostnames (default {default})"),
    SERVE_INJECTED_FILES("serve-injected-files", Kind.BOOLEAN, "true", "true|false",
            "list injected files in meta_data.json and serve them at /openstack/content/NNNN (default {default}; "
                    + "false: exactly Nova's service)"),
    NOVA_RELEASE("nova-release", Kind.TEXT, NovaRelease.DEFAULT.number(), NovaRelease.numbers(),
            "the Nova release guests see, on the metadata service and the management API's config drives "
                    + "(default {default}; docs/nova-releases.md)"),
    VENDOR_DATA_FILE("vendor-data-file", Kind.TEXT, null, "FILE", "static vendor data (a JSON object)"),
    VENDOR_DATA_TARGETS("vendor-data-targets", Kind.LIST, "", "NAME@URL", "dynamic vendor data targets"),
    VENDOR_DATA_CONNECT_TIMEOUT("vendor-data-connect-timeout", Kind.TEXT, "5", "SECONDS", ""),
    VENDOR_DATA_READ_TIMEOUT("vendor-data-read-timeout", Kind.TEXT, "5", "SECONDS", ""),
    VENDOR_DATA_FAILURE_FATAL("vendor-data-failure-fatal", Kind.BOOLEAN, "false", "true|false", ""),
    VENDOR_DATA_CA_FILE("vendor-data-ca-file", Kind.TEXT, null, "FILE", ""),
    API_TOKEN("api-token", Kind.SECRET, null, null, null),
    API_TOKEN_FILE("api-token-file", Kind.TEXT, null, "FILE", "bearer token of the management API"),
    INJECT_ALLOWED_DIRS("inject-allowed-dirs", Kind.LIST, "", "DIR",
            "directories whose images the management API may inject into (default none: the inject endpoint "
                    + "answers 403)"),
    INJECT_BASE_IMAGE_DIRS("inject-base-image-dirs", Kind.LIST, "", "DIR",
            "directories below which the injected images' backing files may lie (Nova's _base; default none: an "
                    + "image that names a backing file is refused)"),
    INJECT_ALLOWED_POOLS("inject-allowed-pools", Kind.LIST, "", "POOL[/NAMESPACE]",
            "Ceph pools (or pool namespaces) whose RBD images the management API may inject into and write config "
                    + "drives as (default none: rbd: images are refused with 403); needs ceph-conf"),
    CEPH_CONF("ceph-conf", Kind.TEXT, null, "FILE",
            "the ceph.conf the service connects to Ceph with (an absolute path)"),
    CEPH_USER("ceph-user", Kind.TEXT, null, "USER",
            "the Ceph user the service connects as, without 'client.' (default: librados' default, admin)"),
    CEPH_KEYRING("ceph-keyring", Kind.TEXT, null, "FILE",
            "the keyring holding that user's key (an absolute path; default: the keyring the conf names)"),
    CEPH_TIMEOUT("ceph-timeout", Kind.TEXT, "30", "SECONDS",
            "how long connecting to Ceph and each monitor or OSD operation may take (default {default})"),
    INJECT_SANDBOX("inject-sandbox", Kind.TEXT, "bwrap", "bwrap|off",
            "where libext2fs works on injected images: bwrap (default), worker processes isolated by bubblewrap; "
                    + "off: in the service's process (trusted images only)"),
    INJECT_SANDBOX_POOL("inject-sandbox-pool", Kind.TEXT, "1", "N",
            "sandboxed workers kept started and warm for the next injections (default {default})"),
    INJECT_UNDO_DIR("inject-undo-dir", Kind.TEXT, null, "DIR",
            "where injections keep their undo journals while they write, so that an injection the service was "
                    + "killed in is rolled back by the next one into that image (default {default})",
            "<data-dir>/undo"),
    METADATA_CACHE_ENTRIES("metadata-cache-entries", Kind.TEXT,
            Integer.toString(StoreInstanceDirectory.DEFAULT_CACHE_ENTRIES), "N",
            "built metadata trees kept in memory for the first requests of an instance's version; others are built from "
                    + "the store on request (default {default})"),
    METADATA_CACHE_BYTES("metadata-cache-bytes", Kind.TEXT, (StoreInstanceDirectory.DEFAULT_CACHE_BYTES >> 20) + "M", "SIZE",
            "heap for metadata answers kept in memory (bytes, or with K, M, G; at most half the heap; 0: none kept) "
                    + "(default {default})"),
    METADATA_INDEX_DOCUMENTS("metadata-index-documents", Kind.BOOLEAN,
            Boolean.toString(StoreInstanceDirectory.DEFAULT_INDEX_DOCUMENTS), "true|false",
            "keep every instance's document compressed in the index (about half its size), so that a tree is built "
                    + "without a store read and every instance is answered through a store outage (default {default})");

    /** How a setting's value is written. */
    enum Kind {
        TEXT,
        /** a list: a YAML list, or comma-separated text; the flag repeated or comma-separated */
        LIST,
        BOOLEAN,
        /** text never printed and never taken from a flag (command lines are visible to every local user) */
        SECRET
    }

    private final String key;
    private final Kind kind;
    private final String defaultValue;
    private final String paramLabel;
    private final String help;
    private final String derivedDefault;

    ServeSetting(String key, Kind kind, String defaultValue, String paramLabel, String help) {
        this(key, kind, defaultValue, paramLabel, help, null);
    }

    /**
     * @param defaultValue   the value when no source sets it; null: none, or {@code derivedDefault}
     * @param paramLabel     the flag's value in {@code --help}; null for a secret (no flag)
     * @param help           the flag's description, {@code {default}} standing for the default
     * @param derivedDefault how a default computed from other settings is shown, e.g. {@code sqlite:<data-dir>}
     */
    ServeSetting(String key, Kind kind, String defaultValue, String paramLabel, String help, String derivedDefault) {
        this.key = key;
        this.kind = kind;
        this.defaultValue = defaultValue;
        this.paramLabel = paramLabel;
        this.help = help;
        this.derivedDefault = derivedDefault;
    }

    /** The YAML key, also the flag's name without {@code --}, and what every message names. */
    String key() {
        return key;
    }

    Kind kind() {
        return kind;
    }

    boolean secret() {
        return kind == Kind.SECRET;
    }

    /** The default as written in a source (a list comma-separated); null when none or derived. */
    String defaultValue() {
        return defaultValue;
    }

    /** How a default computed from other settings is shown ({@code sqlite:<data-dir>}), when it is. */
    Optional<String> derivedDefault() {
        return Optional.ofNullable(derivedDefault);
    }

    /** {@code --key}, or empty for a secret. */
    Optional<String> flag() {
        return secret() ? Optional.empty() : Optional.of("--" + key);
    }

    String paramLabel() {
        return paramLabel;
    }

    /** The flag's {@code --help} text, the default filled in. */
    String help() {
        return help.contains("{default}")
                ? help.replace("{default}", derivedDefault != null ? derivedDefault : defaultValue) : help;
    }

    /** {@code GUESTDATA_<KEY>}: the key upper-cased, {@code -} as {@code _}. */
    String environmentVariable() {
        return environmentVariable(key);
    }

    private static String environmentVariable(String key) {
        return "GUESTDATA_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /**
     * The name this setting had before (accepted as a flag, a YAML key and a {@code GUESTDATA_*} variable, with a
     * note on stderr), or empty: {@code management-listen} became {@code metrics-listen}, because the
     * <em>management API</em> is what {@code api-listen} serves.
     */
    Optional<String> formerKey() {
        return this == METRICS_LISTEN ? Optional.of("management-listen") : Optional.empty();
    }

    /** {@code GUESTDATA_<FORMER_KEY>}, for a setting that was renamed. */
    Optional<String> formerEnvironmentVariable() {
        return formerKey().map(ServeSetting::environmentVariable);
    }

    /** The note printed when a setting is given by its former name. */
    String renamedNote(String given) {
        return "note: " + given + " is now " + key + " (the old name still works; please update the configuration)";
    }

    /** The setting whose key or former key is {@code key}, if any. */
    static Optional<ServeSetting> byKeyOrFormer(String key) {
        return byKey(key).or(() -> {
            for (ServeSetting s : values()) {
                if (s.formerKey().filter(key::equals).isPresent()) {
                    return Optional.of(s);
                }
            }
            return Optional.empty();
        });
    }

    /** The setting whose key is {@code key}, if any. */
    static Optional<ServeSetting> byKey(String key) {
        for (ServeSetting s : values()) {
            if (s.key.equals(key)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** The setting that is serve's name for the service's {@code setting}. */
    static ServeSetting of(RefusedSetting.Setting setting) {
        return switch (setting) {
            case REQUEST_RATE -> REQUEST_RATE;
            case REQUEST_BURST -> REQUEST_BURST;
            case METADATA_CACHE_ENTRIES -> METADATA_CACHE_ENTRIES;
            case METADATA_CACHE_BYTES -> METADATA_CACHE_BYTES;
            case SHARED_SECRET -> SHARED_SECRET;
            case TRUSTED_PROXIES -> TRUSTED_PROXIES;
            case TOKEN_KEY -> IMDS_TOKEN_KEY_FILE;
        };
    }

    private static String wholeSeconds(Duration d) {
        return Long.toString(d.toSeconds());
    }
}
