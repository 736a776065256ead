package io.guestdata.store;

import io.guestdata.core.document.DocumentError;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * Why a store operation was refused or failed. Each kind maps to one HTTP status, so the metadata
 * service and the management API can answer without looking at messages:
 * {@link NotFound} → 404, {@link Conflict} → 409, {@link Invalid} → 400, {@link QuotaExceeded} → 403
 * (Nova answers an exceeded key pair quota with 403), {@link DatabaseError} → 503 when
 * {@linkplain DatabaseError#isTransient() transient}, else 500.
 *
 * <p>When any of these is thrown the operation's transaction was rolled back: nothing of it is
 * stored.
 */
public abstract sealed class StoreException extends RuntimeException
        permits StoreException.NotFound, StoreException.Conflict, StoreException.Invalid,
        StoreException.QuotaExceeded, StoreException.DatabaseError {

    private StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * This refusal as it applies to document {@code index} (0-based) of a batch of {@code size}
     * ({@link Instances#createAll}): the same kind, with the same details ({@code reason()}, {@code field()},
     * {@code documentErrors()}…), the message starting with {@code documents[index] of size: }. A
     * {@link DatabaseError} is about the whole batch and is returned as it is.
     */
    public StoreException inBatch(int index, int size) {
        String message = "documents[" + index + "] of " + size + ": " + getMessage();
        return switch (this) {
            case NotFound n -> new NotFound(n.subject, n.key, message);
            case Conflict c -> new Conflict(c.reason, message, c.currentVersion, c.otherInstance, c.address);
            case Invalid v -> new Invalid(v.field, v.rule, message, v.documentErrors);
            case QuotaExceeded q -> new QuotaExceeded(q.quota, q.limit, message);
            case DatabaseError d -> d;
        };
    }

    /** The thing asked for does not exist (or was deleted). */
    public static final class NotFound extends StoreException {
        private final String subject;
        private final String key;

        /**
         * @param subject what was looked for: {@code instance}, {@code instance version}, {@code key pair}
         * @param key     which one, as the caller named it
         */
        public NotFound(String subject, String key) {
            this(subject, key, subject + " " + key + " not found");
        }

        private NotFound(String subject, String key, String message) {
            super(message, null);
            this.subject = Objects.requireNonNull(subject, "subject");
            this.key = Objects.requireNonNull(key, "key");
        }

        public String subject() {
            return subject;
        }

        public String key() {
            return key;
        }
    }

    /** The write contradicts what is stored; {@link #reason()} says what conflicts. */
    public static final class Conflict extends StoreException {

        /** What the write collided with. */
        public enum Reason {
            /** An instance with this uuid exists. */
            INSTANCE_EXISTS,
            /** An instance with this uuid existed and was deleted; a uuid is never reused. */
            INSTANCE_DELETED,
            /** The instance is not at the version the caller expected; {@link #currentVersion()} is. */
            VERSION_MISMATCH,
            /** A fixed address of the document belongs to another instance ({@link #otherInstance()}). */
            ADDRESS_IN_USE,
            /** The owner already has a key pair of this name (Nova: 409). */
            KEY_PAIR_EXISTS,
            /** The guest already set a password (Nova's metadata service: 409 until it is cleared). */
            PASSWORD_ALREADY_SET
        }

        private final Reason reason;
        private final OptionalLong currentVersion;
        private final Optional<UUID> otherInstance;
        private final Optional<String> address;

        private Conflict(Reason reason, String message, OptionalLong currentVersion, Optional<UUID> otherInstance,
                         Optional<String> address) {
            super(message, null);
            this.reason = reason;
            this.currentVersion = currentVersion;
            this.otherInstance = otherInstance;
            this.address = address;
        }

        public static Conflict instanceExists(UUID uuid) {
            return new Conflict(Reason.INSTANCE_EXISTS, "instance " + uuid + " already exists",
                    OptionalLong.empty(), Optional.empty(), Optional.empty());
        }

        public static Conflict instanceDeleted(UUID uuid) {
            return new Conflict(Reason.INSTANCE_DELETED, "instance " + uuid
                            + " was deleted; an instance uuid is never reused (purge the deleted instance first)",
                    OptionalLong.empty(), Optional.empty(), Optional.empty());
        }

        public static Conflict versionMismatch(UUID uuid, long expected, long current) {
            return new Conflict(Reason.VERSION_MISMATCH, "instance " + uuid + " is at version " + current
                    + ", not " + expected + "; read it again and retry",
                    OptionalLong.of(current), Optional.empty(), Optional.empty());
        }

        public static Conflict addressInUse(String address, UUID owner) {
            return new Conflict(Reason.ADDRESS_IN_USE, "fixed address " + address
                            + " already belongs to instance " + owner,
                    OptionalLong.empty(), Optional.of(owner), Optional.of(address));
        }

        /** Nova's message: {@code Key pair '%(key_name)s' already exists.} */
        public static Conflict keyPairExists(String name) {
            return new Conflict(Reason.KEY_PAIR_EXISTS, "Key pair '" + name + "' already exists.",
                    OptionalLong.empty(), Optional.empty(), Optional.empty());
        }

        public static Conflict passwordAlreadySet(UUID uuid) {
            return new Conflict(Reason.PASSWORD_ALREADY_SET, "instance " + uuid
                            + " already has a password; it can be set again only after it is cleared",
                    OptionalLong.empty(), Optional.empty(), Optional.empty());
        }

        public Reason reason() {
            return reason;
        }

        /** For {@link Reason#VERSION_MISMATCH}: the version the instance is at. */
        public OptionalLong currentVersion() {
            return currentVersion;
        }

        /** For {@link Reason#ADDRESS_IN_USE}: the instance that owns the address. */
        public Optional<UUID> otherInstance() {
            return otherInstance;
        }

        /** For {@link Reason#ADDRESS_IN_USE}: the address, in canonical form. */
        public Optional<String> address() {
            return address;
        }
    }

    /**
     * The input is not acceptable. {@link #field()} names it: a JSON pointer into the instance
     * document ({@code /network_data/networks/0/ip_address}) or the name of the parameter
     * ({@code name}, {@code public_key}, {@code password}, {@code cursor}, {@code limit}…).
     */
    public static final class Invalid extends StoreException {
        private final String field;
        private final String rule;
        private final List<DocumentError> documentErrors;

        /**
         * @param field   the offending parameter or JSON pointer
         * @param rule    stable dotted rule identifier, e.g. {@code key_pair.name}, {@code password.length}
         * @param message what is wrong, Nova's wording where Nova has one
         */
        public Invalid(String field, String rule, String message) {
            this(field, rule, message, List.of());
        }

        private Invalid(String field, String rule, String message, List<DocumentError> documentErrors) {
            super(message, null);
            this.field = Objects.requireNonNull(field, "field");
            this.rule = Objects.requireNonNull(rule, "rule");
            this.documentErrors = List.copyOf(documentErrors);
        }

        /** The instance document was refused by the parser; carries every error it found. */
        public static Invalid document(List<DocumentError> errors, String summary) {
            DocumentError first = errors.getFirst();
            return new Invalid(first.pointer(), first.rule(), summary, errors);
        }

        public String field() {
            return field;
        }

        public String rule() {
            return rule;
        }

        /** Every document error, in document order, when the document was refused; else empty. */
        public List<DocumentError> documentErrors() {
            return documentErrors;
        }
    }

    /** A count quota would be exceeded (Nova: 403 {@code Quota exceeded, too many key pairs.}). */
    public static final class QuotaExceeded extends StoreException {
        private final String quota;
        private final int limit;

        public QuotaExceeded(String quota, int limit, String message) {
            super(message, null);
            this.quota = Objects.requireNonNull(quota, "quota");
            this.limit = limit;
        }

        /** The quota's name, as in Nova's {@code [quota]} section: {@code key_pairs}. */
        public String quota() {
            return quota;
        }

        public int limit() {
            return limit;
        }
    }

    /**
     * The database failed: unreachable, locked for longer than the busy timeout, out of disk space, or
     * an error the store did not expect (the SQL exception is the cause).
     */
    public static final class DatabaseError extends StoreException {
        private final boolean transientFailure;

        public DatabaseError(String message, boolean transientFailure, Throwable cause) {
            super(message, cause);
            this.transientFailure = transientFailure;
        }

        /**
         * Whether retrying later may succeed (connection refused or lost, database busy or restarting, disk full,
         * an I/O error, a timeout); HTTP 503 with {@code Retry-After} rather than 500.
         */
        public boolean isTransient() {
            return transientFailure;
        }
    }
}
