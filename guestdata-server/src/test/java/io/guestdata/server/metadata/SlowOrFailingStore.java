package io.guestdata.server.metadata;

import io.guestdata.store.Instances;
import io.guestdata.store.Store;
import io.guestdata.store.StoreException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real store whose single-instance reads ({@code instances().get(uuid)}) can be counted, slowed down, or made to
 * fail as an unreachable database does; everything else goes to the store unchanged.
 */
final class SlowOrFailingStore {
    final AtomicInteger reads = new AtomicInteger();
    volatile Duration delay = Duration.ZERO;
    volatile boolean failing;
    final Store store;

    SlowOrFailingStore(Store real) {
        Instances instances = (Instances) proxy(Instances.class, real.instances(), (method, args) -> {
            if (method.getName().equals("get") && args.length == 1 && args[0] instanceof UUID) {
                reads.incrementAndGet();
                Thread.sleep(delay.toMillis());
                if (failing) {
                    throw new StoreException.DatabaseError("database read failed: [SQLITE_IOERR] disk I/O error",
                            true, null);
                }
            }
            return null;
        });
        this.store = (Store) proxy(Store.class, real, (method, args) -> method.getName().equals("instances")
                ? instances : null);
    }

    /** Before a call reaches the real object: may throw, or return a replacement result (null: call through). */
    private interface Interception {
        Object before(Method method, Object[] args) throws Exception;
    }

    private static Object proxy(Class<?> type, Object real, Interception interception) {
        InvocationHandler handler = (self, method, args) -> {
            Object[] arguments = args == null ? new Object[0] : args;
            Object replaced = interception.before(method, arguments);
            if (replaced != null) {
                return replaced;
            }
            try {
                return method.invoke(real, arguments);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler);
    }
}
