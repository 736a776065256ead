package io.guestdata.cli;

import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.server.metadata.ApiListener;
import io.guestdata.server.metadata.MetadataServer;
import io.guestdata.server.metadata.MetadataServerConfig;
import io.guestdata.server.metadata.StoreInstanceDirectory;
import io.guestdata.server.metadata.StorePasswordStore;
import io.guestdata.store.Store;
import io.guestdata.store.Stores;
import io.guestdata.inject.DiskInjector;
import io.guestdata.server.api.ManagementApi;
import io.helidon.webserver.http.HttpService;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code guestdata serve}, running: the store, the directory following its change feed, and the listeners.
 * {@link #close()} stops them in reverse order (listeners, feed subscription, store).
 */
final class ServeService implements AutoCloseable {
    private final Store store;
    private final StoreInstanceDirectory directory;
    private final MetadataServer server;
    private boolean closed;

    private ServeService(Store store, StoreInstanceDirectory directory, MetadataServer server) {
        this.store = store;
        this.directory = directory;
        this.server = server;
    }

    /** A start-up failure that is not a configuration error: the store or a listener is unavailable. */
    static final class Unavailable extends Exception {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static ServeService start(String storeUrl, MetadataServerConfig config, Optional<ServeSettings.ApiSettings> api)
            throws Unavailable {
        Store store;
        try {
            store = Stores.open(storeUrl);
        } catch (RuntimeException e) {
            throw new Unavailable("cannot open the store " + ServeCommand.redactUrl(storeUrl) + ": " + e.getMessage(), e);
        }
        StoreInstanceDirectory directory = null;
        try {
            directory = StoreInstanceDirectory.open(store, config.metadata(), config.metadataCacheEntries());
            Optional<ApiListener> listener = api.map(a -> a.listener(apiServices(store, a, config.metadata())));
            MetadataServer server = MetadataServer.start(config, directory, new StorePasswordStore(store.passwords()),
                    listener);
            return new ServeService(store, directory, server);
        } catch (RuntimeException e) {
            if (directory != null) {
                directory.close();
            }
            store.close();
            throw new Unavailable(e.getMessage(), e);
        }
    }

    /** The management API at {@code /v1} on the API listener (never on the guest listener). */
    static Map<String, HttpService> apiServices(Store store, ServeSettings.ApiSettings api, MetadataOptions options) {
        Map<String, HttpService> services = new LinkedHashMap<>();
        DiskInjector injector = api.allowedInjectDirs().isEmpty() ? null : new DiskInjector();
        services.put("/v1", ManagementApi.builder(store, api.token()).metadataOptions(options).injector(injector)
                .allowedInjectDirs(api.allowedInjectDirs()).injectBaseImageDirs(api.injectBaseImageDirs()).build());
        return services;
    }

    MetadataServer server() {
        return server;
    }

    StoreInstanceDirectory directory() {
        return directory;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.close();
        } finally {
            try {
                directory.close();
            } finally {
                store.close();
            }
        }
    }
}
