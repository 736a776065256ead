package io.guestdata.server.metadata;

import java.util.Locale;

/**
 * How many requests one requester may send to a guest-facing listener (the metadata service's, per instance;
 * {@code guestdata proxy}'s, per guest): a token bucket of {@code burst} requests refilled at {@code perSecond}
 * ({@link TokenBuckets}). A requester over it is answered {@code 429 Too Many Requests} with {@code Retry-After}.
 *
 * <p>The defaults leave wide room for a boot: cloud-init 22.4's OpenStack datasource reads its whole tree in 33
 * requests (the OpenStack files, injected files and the EC2 crawl) within about a second, once per boot, so a
 * burst of 300 is nine boots at once and 20 a second lets that boot repeat every two seconds forever; while one
 * requester alone can take at most 20 of the ~49,000 requests a second one service instance answers.
 *
 * @param perSecond  the sustained rate, requests a second (more than 0); ignored when off
 * @param burst      requests a requester with a full bucket may send at once (at least 1)
 * @param maxTracked the most requesters whose buckets are kept at once (at least 1): a bucket refilled to full is
 *                   the same as none and is dropped; beyond this, the buckets owing least are dropped
 * @param enabled    whether requests are limited at all
 */
public record RequestRate(double perSecond, int burst, int maxTracked, boolean enabled) {
    public static final int DEFAULT_PER_SECOND = 20;
    public static final int DEFAULT_BURST = 300;
    /**
     * About 1.6 MB of buckets at most (≈ 100 bytes each); at the default rate the table does not fill below
     * ~300,000 requests a second (see {@link TokenBuckets}).
     */
    public static final int DEFAULT_MAX_TRACKED = 16_384;
    static final double MAX_PER_SECOND = 1_000_000;
    static final int MAX_BURST = 1_000_000;

    public RequestRate {
        if (enabled && !(perSecond >= 0.001 && perSecond <= MAX_PER_SECOND)) {
            throw new IllegalArgumentException("perSecond must be from 0.001 to " + (long) MAX_PER_SECOND + ", not "
                    + perSecond);
        }
        if (burst < 1 || burst > MAX_BURST) {
            throw new IllegalArgumentException("burst must be from 1 to " + MAX_BURST + ", not " + burst);
        }
        if (maxTracked < 1) {
            throw new IllegalArgumentException("maxTracked must be at least 1, not " + maxTracked);
        }
    }

    /** 300 requests at once, 20 a second, per requester. */
    public static RequestRate defaults() {
        return new RequestRate(DEFAULT_PER_SECOND, DEFAULT_BURST, DEFAULT_MAX_TRACKED, true);
    }

    /** No limit: no request is ever answered 429. */
    public static RequestRate off() {
        return new RequestRate(DEFAULT_PER_SECOND, DEFAULT_BURST, DEFAULT_MAX_TRACKED, false);
    }

    public RequestRate withPerSecond(double rate) {
        return new RequestRate(rate, burst, maxTracked, enabled);
    }

    public RequestRate withBurst(int n) {
        return new RequestRate(perSecond, n, maxTracked, enabled);
    }

    public RequestRate withMaxTracked(int n) {
        return new RequestRate(perSecond, burst, n, enabled);
    }

    /** {@code perSecond} requests a second, at most {@code burst} at once; a rate of 0 is {@link #off()}. */
    public static RequestRate of(double perSecond, int burst) {
        return perSecond == 0 ? off().withBurst(burst) : defaults().withPerSecond(perSecond).withBurst(burst);
    }

    /**
     * The {@code request-rate} and {@code request-burst} settings, as {@link #parsePerSecond} and {@link #parseBurst}
     * read them.
     *
     * @throws RefusedSetting naming which of the two is wrong
     */
    public static RequestRate parse(String rateText, String burstText) {
        double perSecond;
        try {
            perSecond = parsePerSecond(rateText);
        } catch (IllegalArgumentException e) {
            throw new RefusedSetting(RefusedSetting.Setting.REQUEST_RATE, e.getMessage());
        }
        try {
            return of(perSecond, parseBurst(burstText));
        } catch (IllegalArgumentException e) {
            throw new RefusedSetting(RefusedSetting.Setting.REQUEST_BURST, e.getMessage());
        }
    }

    /**
     * The {@code request-rate} setting of {@code guestdata serve} and {@code guestdata proxy} as the operator wrote
     * it: requests a second, or {@code 0} or {@code off} for no limit (then 0).
     *
     * @throws IllegalArgumentException saying what is allowed; the caller names the setting and its source
     */
    public static double parsePerSecond(String text) {
        String rate = text.strip().toLowerCase(Locale.ROOT);
        if (rate.equals("off")) {
            return 0;
        }
        double perSecond;
        try {
            perSecond = rate.endsWith("d") || rate.endsWith("f") ? Double.NaN : Double.parseDouble(rate);
        } catch (NumberFormatException e) {
            perSecond = Double.NaN;
        }
        if (perSecond != 0 && !(perSecond >= 0.001 && perSecond <= MAX_PER_SECOND)) {
            throw new IllegalArgumentException("must be requests a second from 0.001 to " + (long) MAX_PER_SECOND
                    + ", or 0 or off for no limit, got '" + text.strip() + "'");
        }
        return perSecond;
    }

    /**
     * The {@code request-burst} setting: a whole number of requests.
     *
     * @throws IllegalArgumentException saying what is allowed; the caller names the setting and its source
     */
    public static int parseBurst(String text) {
        try {
            int n = Integer.parseInt(text.strip());
            if (n >= 1 && n <= MAX_BURST) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("must be a whole number of requests from 1 to " + MAX_BURST + ", got '"
                + text.strip() + "'");
    }

    /** {@code 300 at once, 20/s} or {@code off}, for start lines and log lines. */
    public String describe() {
        if (!enabled) {
            return "off";
        }
        String rate = perSecond == Math.rint(perSecond) ? Long.toString((long) perSecond) : Double.toString(perSecond);
        return burst + " at once, " + rate + "/s";
    }
}
