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
import io.guestdata.inject.Ext2fsBackend;
import io.guestdata.inject.FilesystemBackends;
import io.guestdata.inject.guestfs.GuestfsSettings;
import io.guestdata.inject.sandbox.Ext2fsSandbox;
import io.guestdata.server.api.ManagementApi;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;

/**
 * {@code guestdata serve}, running: the inject sandbox (when the API may inject), the store, the directory
 * following its change feed, and the listeners. {@link #close()} stops them in reverse order (listeners, feed
 * subscription, store, sandbox).
 */
final class ServeService implements AutoCloseable {
    private final Store store;
    private final StoreInstanceDirectory directory;
    private final MetadataServer server;
    private final Ext2fsSandbox sandbox;
    private boolean closed;

    private ServeService(Store store, StoreInstanceDirectory directory, MetadataServer server, Ext2fsSandbox sandbox) {
        this.store = store;
        this.directory = directory;
        this.server = server;
        this.sandbox = sandbox;
    }

    /** A start-up failure that is not a configuration error: the store or a listener is unavailable. */
    static final class Unavailable extends Exception {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The inject sandbox cannot run here (bubblewrap missing, no namespaces): restarting will not help. */
    static final class SandboxUnavailable extends Exception {
        SandboxUnavailable(String message) {
            super(message);
        }
    }

    static ServeService start(String storeUrl, MetadataServerConfig config, Optional<ServeSettings.ApiSettings> api)
            throws Unavailable, SandboxUnavailable {
        // Its first worker starts now, while the store opens; the API never injects without it (no silent fallback).
        Ext2fsSandbox sandbox = api.filter(ServeSettings.ApiSettings::injects).flatMap(a -> a.injectSandbox())
                .map(Ext2fsSandbox::start).orElse(null);
        Store store;
        try {
            store = Stores.open(storeUrl);
        } catch (RuntimeException e) {
            closeSandbox(sandbox);
            throw new Unavailable("cannot open the store " + ServeCommand.redactUrl(storeUrl) + ": " + e.getMessage(), e);
        }
        Optional<String> unavailable = sandbox == null ? Optional.empty() : sandbox.unavailable();
        if (unavailable.isPresent()) {
            store.close();
            closeSandbox(sandbox);
            throw new SandboxUnavailable((api.orElseThrow().allowedInjectDirs().isEmpty() ? "inject-allowed-pools"
                    : "inject-allowed-dirs") + " is set, and " + unavailable.get());
        }
        StoreInstanceDirectory directory = null;
        try {
            directory = StoreInstanceDirectory.open(store, config.metadata(), config.metadataCacheEntries(),
                    config.metadataCacheBytes(), config.metadataIndexDocuments());
            Optional<ApiListener> listener = api.map(a -> new ApiListener(a.address(),
                    List.of(managementApi(store, a, config.metadata(), sandbox))));
            MetadataServer server = MetadataServer.start(config, directory, new StorePasswordStore(store.passwords()),
                    listener);
            return new ServeService(store, directory, server, sandbox);
        } catch (RuntimeException e) {
            if (directory != null) {
                directory.close();
            }
            store.close();
            closeSandbox(sandbox);
            throw new Unavailable(e.getMessage(), e);
        }
    }

    private static void closeSandbox(Ext2fsSandbox sandbox) {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    /**
     * The management API, at {@code /v1} on the API listener (never on the guest listener); its injections run
     * libext2fs in {@code sandbox}'s workers, or in this process when it is null ({@code inject-sandbox: off}).
     */
    static ManagementApi managementApi(Store store, ServeSettings.ApiSettings api, MetadataOptions options,
                                       Ext2fsSandbox sandbox) {
        DiskInjector injector = !api.injects() ? null : new DiskInjector(
                FilesystemBackends.thisBuild(GuestfsSettings.DEFAULT,
                        sandbox == null ? new Ext2fsBackend() : Ext2fsBackend.sandboxed(sandbox)), new SecureRandom());
        ManagementApi.Builder builder = ManagementApi.builder(store, api.token()).metadataOptions(options).injector(injector)
                .allowedInjectDirs(api.allowedInjectDirs()).injectBaseImageDirs(api.injectBaseImageDirs())
                .injectUndoDir(api.injectUndoDir());
        api.injectRbd().ifPresent(builder::injectRbd);
        return builder.build();
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
                try {
                    store.close();
                } finally {
                    closeSandbox(sandbox);
                }
            }
        }
    }
}
