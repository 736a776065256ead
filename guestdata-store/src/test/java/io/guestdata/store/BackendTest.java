package io.guestdata.store;

import io.guestdata.testkit.DatabaseTest;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A contract test: runs once on SQLite and once on a real PostgreSQL server, each time with a fresh
 * database passed in as a {@link Backend} parameter. Tagged {@code database}: the fast set leaves it out.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@TestTemplate
@DatabaseTest
@ExtendWith(Backends.class)
public @interface BackendTest {
}
