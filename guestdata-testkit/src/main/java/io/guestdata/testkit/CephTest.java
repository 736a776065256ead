package io.guestdata.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test class (or method) that starts a Ceph cluster: tag {@value #TAG}. The fast set ({@code ./run-tests
 * --fast})
 * leaves these out; the default run keeps them. It tags JUnit Jupiter tests and jqwik properties alike.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag(CephTest.TAG)
@net.jqwik.api.Tag(CephTest.TAG)
public @interface CephTest {
    String TAG = "ceph";
}
