package io.guestdata.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test class (or method) that starts an external tool (Python with Nova or cloud-init, qemu,
 * mkfs/debugfs/e2fsck, xorriso, mtools, isoinfo …): tag {@value #TAG}. The fast set ({@code ./run-tests --fast})
 * leaves these out; the default run keeps them. It tags JUnit Jupiter tests and jqwik properties alike.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag(ToolTest.TAG)
@net.jqwik.api.Tag(ToolTest.TAG)
public @interface ToolTest {
    String TAG = "tool";
}
