package io.guestdata.server.metadata;

import java.util.ArrayList;
import java.util.List;

/**
 * The elements of {@code X-Forwarded-For} as a proxy in front of us wrote them (every header line, split at
 * commas, in order), for the proxy modes, where the proxy is authenticated by signature rather than by
 * address.
 */
record ForwardedFor(List<String> elements) {
    static ForwardedFor of(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            for (String element : line.split(",", -1)) {
                out.add(element);
            }
        }
        return new ForwardedFor(List.copyOf(out));
    }

    int size() {
        return elements.size();
    }

    /**
     * The address the nearest proxy appended (the requester address in instance-ID mode), trimmed; null
     * when there is none. Nova passes the whole raw header, which from a guest that sent its own
     * {@code X-Forwarded-For} through HAProxy's {@code option forwardfor} is {@code "<guest's text>,<address>"};
     * the last element is the one the proxy vouches for.
     */
    String last() {
        return elements.isEmpty() ? null : elements.getLast().strip();
    }

    /** Nova's provider-mode instance address: {@code split(',')[0]}, untrimmed; null when there is none. */
    String first() {
        return elements.isEmpty() ? null : elements.getFirst();
    }
}
