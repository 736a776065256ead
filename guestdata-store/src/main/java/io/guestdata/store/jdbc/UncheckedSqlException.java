package io.guestdata.store.jdbc;

import java.sql.SQLException;

/**
 * Carries an {@link SQLException} out of a callback that cannot throw it (the key pair resolver the
 * document parser calls); {@link Database} unwraps it and handles the SQL exception as if the
 * transaction body had thrown it.
 */
final class UncheckedSqlException extends RuntimeException {
    UncheckedSqlException(SQLException cause) {
        super(cause);
    }

    @Override
    public synchronized SQLException getCause() {
        return (SQLException) super.getCause();
    }
}
