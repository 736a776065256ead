package io.guestdata.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Prepared statements with positional parameters, the only way the store talks SQL. */
final class Sql {

    /** Reads one row. */
    @FunctionalInterface
    interface RowReader<T> {
        T read(ResultSet row) throws SQLException;
    }

    /** A NULL parameter of a known SQL type (PostgreSQL wants the type of a NULL). */
    record Null(int sqlType) {
    }

    static final Null NULL_TEXT = new Null(Types.VARCHAR);

    private Sql() {
    }

    /** The parameter for an optional text value. */
    static Object text(Optional<String> value) {
        return value.<Object>map(v -> v).orElse(NULL_TEXT);
    }

    /** Runs an INSERT, UPDATE or DELETE; the number of rows it touched. */
    static int update(Connection connection, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement statement = prepare(connection, sql, parameters)) {
            return statement.executeUpdate();
        }
    }

    /** The first row of a query (or of a statement's RETURNING clause), if any. */
    static <T> Optional<T> one(Connection connection, String sql, RowReader<T> reader, Object... parameters)
            throws SQLException {
        try (PreparedStatement statement = prepare(connection, sql, parameters);
             ResultSet rows = statement.executeQuery()) {
            return rows.next() ? Optional.of(reader.read(rows)) : Optional.empty();
        }
    }

    /** Every row of a query. */
    static <T> List<T> all(Connection connection, String sql, RowReader<T> reader, Object... parameters)
            throws SQLException {
        try (PreparedStatement statement = prepare(connection, sql, parameters);
             ResultSet rows = statement.executeQuery()) {
            List<T> result = new ArrayList<>();
            while (rows.next()) {
                result.add(reader.read(rows));
            }
            return result;
        }
    }

    private static PreparedStatement prepare(Connection connection, String sql, Object... parameters)
            throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        try {
            for (int i = 0; i < parameters.length; i++) {
                bind(statement, i + 1, parameters[i]);
            }
            return statement;
        } catch (SQLException | RuntimeException e) {
            statement.close();
            throw e;
        }
    }

    private static void bind(PreparedStatement statement, int index, Object value) throws SQLException {
        switch (value) {
            case String text -> statement.setString(index, text);
            case Long number -> statement.setLong(index, number);
            case Integer number -> statement.setLong(index, number);
            case byte[] bytes -> statement.setBytes(index, bytes);
            case Null n -> statement.setNull(index, n.sqlType());
            case null -> throw new IllegalArgumentException("parameter " + index + " is null; use a Sql.Null");
            default -> throw new IllegalArgumentException("parameter " + index + " has unsupported type "
                    + value.getClass().getName());
        }
    }
}
