package io.guestdata.store;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContextProvider;

/**
 * Runs each {@link BackendTest} on both backends. The PostgreSQL server is started once for the
 * whole test run (by the first test that needs it) and stopped when the run ends.
 */
final class Backends implements TestTemplateInvocationContextProvider {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(Backends.class);

    @Override
    public boolean supportsTestTemplate(ExtensionContext context) {
        return true;
    }

    @Override
    public Stream<TestTemplateInvocationContext> provideTestTemplateInvocationContexts(ExtensionContext context) {
        return Stream.of(Backend.Kind.SQLITE, Backend.Kind.POSTGRESQL).map(Invocation::new);
    }

    /** The shared server, started on first use and stopped at the end of the run. */
    static PostgresServer server(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(ServerResource.class, key -> ServerResource.start(), ServerResource.class)
                .server();
    }

    private record ServerResource(PostgresServer server) implements ExtensionContext.Store.CloseableResource {
        static ServerResource start() {
            try {
                return new ServerResource(PostgresServer.start());
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the test PostgreSQL server: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() throws Exception {
            server.close();
        }
    }

    private record Invocation(Backend.Kind kind) implements TestTemplateInvocationContext {
        @Override
        public String getDisplayName(int invocationIndex) {
            return "[" + kind.name().toLowerCase(java.util.Locale.ROOT) + "]";
        }

        @Override
        public List<Extension> getAdditionalExtensions() {
            return List.of(new BackendParameter(kind));
        }
    }

    /** Creates the test's backend and closes it after the test. */
    private record BackendParameter(Backend.Kind kind) implements ParameterResolver, AfterEachCallback {
        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == Backend.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            try {
                Backend backend = kind == Backend.Kind.SQLITE ? Backend.sqlite() : Backend.postgresql(server(context));
                context.getStore(NAMESPACE).put(Backend.class, backend);
                return backend;
            } catch (Exception e) {
                throw new ParameterResolutionException("cannot create a " + kind + " test database: " + e.getMessage(), e);
            }
        }

        @Override
        public void afterEach(ExtensionContext context) throws Exception {
            Backend backend = context.getStore(NAMESPACE).remove(Backend.class, Backend.class);
            if (backend != null) {
                backend.close();
            }
        }
    }
}
