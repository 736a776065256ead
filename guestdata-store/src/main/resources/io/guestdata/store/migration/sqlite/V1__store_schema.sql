-- guestdata store, schema version 1 (SQLite). The same tables as the PostgreSQL schema; only the
-- column types differ (INTEGER PRIMARY KEY AUTOINCREMENT for identities, BLOB for bytes).
-- docs/store.md describes every table. Timestamps are milliseconds since 1970-01-01T00:00:00Z.

CREATE TABLE instances (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT, -- creation order, the listing order; never reused
    uuid            TEXT    NOT NULL UNIQUE,
    project_id      TEXT,
    current_version INTEGER NOT NULL CHECK (current_version >= 1),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    deleted_at      INTEGER
);
CREATE INDEX instances_live_by_project ON instances (project_id, seq) WHERE deleted_at IS NULL;

CREATE TABLE instance_versions (
    instance_uuid   TEXT    NOT NULL REFERENCES instances (uuid) ON DELETE CASCADE,
    version         INTEGER NOT NULL CHECK (version >= 1),
    document        BLOB    NOT NULL,
    key_name        TEXT,
    key_type        TEXT,
    key_public_key  TEXT,
    key_fingerprint TEXT,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (instance_uuid, version),
    CHECK ((key_name IS NULL) = (key_type IS NULL)
       AND (key_name IS NULL) = (key_public_key IS NULL)
       AND (key_name IS NULL) = (key_fingerprint IS NULL))
);

CREATE TABLE instance_addresses (
    address         TEXT PRIMARY KEY,
    instance_uuid   TEXT NOT NULL REFERENCES instances (uuid) ON DELETE CASCADE
);
CREATE INDEX instance_addresses_by_instance ON instance_addresses (instance_uuid);

CREATE TABLE instance_passwords (
    instance_uuid   TEXT    PRIMARY KEY REFERENCES instances (uuid) ON DELETE CASCADE,
    password        BLOB    NOT NULL,
    set_at          INTEGER NOT NULL
);

CREATE TABLE key_pairs (
    owner           TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    type            TEXT    NOT NULL CHECK (type IN ('ssh', 'x509')),
    public_key      TEXT    NOT NULL,
    fingerprint     TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (owner, name)
);

CREATE TABLE key_pair_counts (
    owner           TEXT    PRIMARY KEY,
    pairs           INTEGER NOT NULL CHECK (pairs >= 0)
);

CREATE TABLE ec2_instance_ids (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_uuid   TEXT    NOT NULL UNIQUE
);
CREATE TABLE ec2_image_ids (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    image_ref       TEXT    NOT NULL UNIQUE
);

-- SQLite has one writer at a time, so commit order is already serial; the counter keeps the two
-- schemas and the code identical.
CREATE TABLE change_counter (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq        INTEGER NOT NULL
);
INSERT INTO change_counter (id, last_seq) VALUES (1, 0);

CREATE TABLE changes (
    seq             INTEGER PRIMARY KEY,
    instance_uuid   TEXT    NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('CREATED', 'UPDATED', 'DELETED', 'PASSWORD')),
    version         INTEGER NOT NULL,
    changed_at      INTEGER NOT NULL
);
CREATE INDEX changes_by_time ON changes (changed_at);
