package io.guestdata.server.metadata;

/**
 * A setting of the metadata service refused, alone or together with others, naming the one to change: a caller
 * reports it under its own name for that setting (a flag of {@code serve}, {@code proxy} or the development server,
 * a YAML key), never by reading the message, which says what is allowed.
 */
public final class RefusedSetting extends IllegalArgumentException {
    /** The setting to change. */
    public enum Setting { REQUEST_RATE, REQUEST_BURST, METADATA_CACHE_ENTRIES, METADATA_CACHE_BYTES, SHARED_SECRET, TRUSTED_PROXIES, TOKEN_KEY }

    private final Setting setting;

    RefusedSetting(Setting setting, String message) {
        super(message);
        this.setting = setting;
    }

    public Setting setting() {
        return setting;
    }
}
