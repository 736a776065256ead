-- guestdata store, schema version 1 (PostgreSQL). docs/store.md describes every table.
-- Timestamps are milliseconds since 1970-01-01T00:00:00Z, as in the SQLite schema, so both
-- databases hold the same values. Instance uuids are lowercase text.

CREATE TABLE instances (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- creation order, the listing order
    uuid            VARCHAR(36) NOT NULL UNIQUE,
    project_id      TEXT,
    current_version BIGINT      NOT NULL CHECK (current_version >= 1),
    created_at      BIGINT      NOT NULL,
    updated_at      BIGINT      NOT NULL,
    deleted_at      BIGINT                                            -- soft delete
);
CREATE INDEX instances_live_by_project ON instances (project_id, seq) WHERE deleted_at IS NULL;

-- Every version of every instance document, byte for byte as submitted, with the key pair that
-- key_name resolved to when the version was stored (Nova copies key_data into the instance).
CREATE TABLE instance_versions (
    instance_uuid   VARCHAR(36) NOT NULL REFERENCES instances (uuid) ON DELETE CASCADE,
    version         BIGINT      NOT NULL CHECK (version >= 1),
    document        BYTEA       NOT NULL,
    key_name        TEXT,
    key_type        TEXT,
    key_public_key  TEXT,
    key_fingerprint TEXT,
    created_at      BIGINT      NOT NULL,
    PRIMARY KEY (instance_uuid, version),
    CHECK ((key_name IS NULL) = (key_type IS NULL)
       AND (key_name IS NULL) = (key_public_key IS NULL)
       AND (key_name IS NULL) = (key_fingerprint IS NULL))
);

-- Fixed addresses of live instances' current versions, canonical text; one owner per address.
CREATE TABLE instance_addresses (
    address         TEXT        PRIMARY KEY,
    instance_uuid   VARCHAR(36) NOT NULL REFERENCES instances (uuid) ON DELETE CASCADE
);
CREATE INDEX instance_addresses_by_instance ON instance_addresses (instance_uuid);

-- The password the guest posted (UTF-8 bytes; set once until cleared).
CREATE TABLE instance_passwords (
    instance_uuid   VARCHAR(36) PRIMARY KEY REFERENCES instances (uuid) ON DELETE CASCADE,
    password        BYTEA       NOT NULL,
    set_at          BIGINT      NOT NULL
);

CREATE TABLE key_pairs (
    owner           TEXT   NOT NULL,
    name            TEXT   NOT NULL,
    type            TEXT   NOT NULL CHECK (type IN ('ssh', 'x509')),
    public_key      TEXT   NOT NULL,
    fingerprint     TEXT   NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (owner, name)
);

-- Key pairs per owner, kept by the same transactions that add and remove pairs: the row lock
-- makes the quota check exact under concurrent imports.
CREATE TABLE key_pair_counts (
    owner           TEXT    PRIMARY KEY,
    pairs           INTEGER NOT NULL CHECK (pairs >= 0)
);

-- EC2 ids (i-%08x, ami-%08x…): allocated once, never reused, never deleted (no foreign key, so
-- they outlive a purged instance).
CREATE TABLE ec2_instance_ids (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance_uuid   VARCHAR(36) NOT NULL UNIQUE
);
CREATE TABLE ec2_image_ids (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    image_ref       TEXT NOT NULL UNIQUE
);

-- The change log behind the change feed. change_counter has one row; every writing transaction
-- increments it as its last statement, so its row lock orders the changes by commit: a reader that
-- sees change n has seen every change before n.
CREATE TABLE change_counter (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq        BIGINT  NOT NULL
);
INSERT INTO change_counter (id, last_seq) VALUES (1, 0);

CREATE TABLE changes (
    seq             BIGINT      PRIMARY KEY,
    instance_uuid   VARCHAR(36) NOT NULL,
    kind            TEXT        NOT NULL CHECK (kind IN ('CREATED', 'UPDATED', 'DELETED', 'PASSWORD')),
    version         BIGINT      NOT NULL,
    changed_at      BIGINT      NOT NULL
);
CREATE INDEX changes_by_time ON changes (changed_at);
