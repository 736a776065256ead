package io.guestdata.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The product version, from the build (Maven filters {@code version.properties}). */
public final class GuestdataVersion {
    private static final String VERSION = load();

    private GuestdataVersion() {
    }

    /** For example {@code 0.1.0-SNAPSHOT}. */
    public static String version() {
        return VERSION;
    }

    /** What guestdata writes where Nova writes {@code OpenStack Nova 26.2.2} (ISO publisher). */
    public static String product() {
        return "guestdata " + VERSION;
    }

    private static String load() {
        try (InputStream in = GuestdataVersion.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                throw new IllegalStateException("version.properties missing from guestdata-core");
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
