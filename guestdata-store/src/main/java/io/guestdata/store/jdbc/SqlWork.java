package io.guestdata.store.jdbc;

import java.sql.Connection;
import java.sql.SQLException;

/** The body of one transaction. */
@FunctionalInterface
interface SqlWork<T> {
    T run(Connection connection) throws SQLException;
}
