package io.guestdata.inject.fs;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * User and group ids of a guest, from its {@code /etc/passwd} and {@code /etc/group} (passwd(5),
 * group(5)), read through {@link GuestFilesystem#read}. Nova resolved owners through Augeas on the
 * same two files.
 *
 * <p>Lines are split on {@code \n} (a trailing {@code \r} is dropped). Blank lines, comments
 * ({@code #} as the first non-blank character) and NIS compat lines ({@code +…}, {@code -…}) are
 * skipped, as are lines with too few fields or a non-numeric id, as glibc's files backend does.
 * When a name appears twice the first line wins, as {@code getpwnam} does.
 *
 * @param users  by user name
 * @param groups group name → gid
 */
public record GuestAccounts(Map<String, User> users, Map<String, Integer> groups) {

    /**
     * One passwd line.
     *
     * @param name user name
     * @param uid  user id (unsigned 32-bit held in an int)
     * @param gid  primary group id
     * @param home home directory as written
     */
    public record User(String name, int uid, int gid, String home) {
        public User {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(home, "home");
        }
    }

    public GuestAccounts {
        users = Collections.unmodifiableMap(new LinkedHashMap<>(users));
        groups = Collections.unmodifiableMap(new LinkedHashMap<>(groups));
    }

    /** Parses passwd and group content; either may be empty. */
    public static GuestAccounts parse(byte[] passwd, byte[] group) {
        Objects.requireNonNull(passwd, "passwd");
        Objects.requireNonNull(group, "group");
        Map<String, User> users = new LinkedHashMap<>();
        for (String line : lines(passwd)) {
            String[] f = line.split(":", -1);
            if (f.length < 4 || f[0].isEmpty()) {
                continue;
            }
            OptionalInt uid = id(f[2]);
            OptionalInt gid = id(f[3]);
            if (uid.isPresent() && gid.isPresent()) {
                users.putIfAbsent(f[0], new User(f[0], uid.getAsInt(), gid.getAsInt(), f.length > 5 ? f[5] : ""));
            }
        }
        Map<String, Integer> groups = new LinkedHashMap<>();
        for (String line : lines(group)) {
            String[] f = line.split(":", -1);
            if (f.length < 3 || f[0].isEmpty()) {
                continue;
            }
            OptionalInt gid = id(f[2]);
            if (gid.isPresent()) {
                groups.putIfAbsent(f[0], gid.getAsInt());
            }
        }
        return new GuestAccounts(users, groups);
    }

    public Optional<User> user(String name) {
        return Optional.ofNullable(users.get(name));
    }

    public OptionalInt uid(String user) {
        User u = users.get(user);
        return u == null ? OptionalInt.empty() : OptionalInt.of(u.uid());
    }

    /** The user's primary group id from passwd. */
    public OptionalInt primaryGid(String user) {
        User u = users.get(user);
        return u == null ? OptionalInt.empty() : OptionalInt.of(u.gid());
    }

    public OptionalInt gid(String group) {
        Integer g = groups.get(group);
        return g == null ? OptionalInt.empty() : OptionalInt.of(g);
    }

    private static Iterable<String> lines(byte[] content) {
        String text = new String(content, StandardCharsets.UTF_8);
        return () -> text.lines()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && l.charAt(0) != '#' && l.charAt(0) != '+' && l.charAt(0) != '-')
                .iterator();
    }

    /** A decimal id in 0..4294967295, as an int holding the unsigned value. */
    private static OptionalInt id(String field) {
        String s = field.strip();
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return OptionalInt.empty();
        }
        long v = Long.parseLong(s);
        return v > 0xFFFF_FFFFL ? OptionalInt.empty() : OptionalInt.of((int) v);
    }
}
