package io.guestdata.inject.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * A shared library opened through the Foreign Function &amp; Memory API for the lifetime of the JVM (never
 * unloaded), as the hand-written bindings {@code LibExt2fs} ({@code libext2fs.so.2}, {@code libcom_err.so.2}) and
 * {@code LibRbd} ({@code librados.so.2}, {@code librbd.so.1}) use it: what they had each written out.
 *
 * <p>A library that cannot be opened is an {@link IllegalStateException} naming it and the Debian package that
 * installs it; a bindings class opens its libraries in its static initializer, so a missing library surfaces as
 * that class's {@link ExceptionInInitializerError} with this exception as its cause.
 */
// Restricted FFM methods (libraryLookup, downcallHandle) are this class's purpose; the JVM runs with
// --enable-native-access for this module.
@SuppressWarnings("restricted")
public final class NativeLibrary {
    private static final Linker LINKER = Linker.nativeLinker();

    private final SymbolLookup lookup;

    private NativeLibrary(SymbolLookup lookup) {
        this.lookup = lookup;
    }

    /**
     * Opens {@code soname} ({@code dlopen}, the dynamic linker's search).
     *
     * @param debianPackage the package that installs it, for the message when it cannot be opened
     * @throws IllegalStateException it cannot be opened: "librbd.so.1 (Debian package librbd1) cannot be loaded: ..."
     */
    public static NativeLibrary open(String soname, String debianPackage) {
        try {
            return new NativeLibrary(SymbolLookup.libraryLookup(soname, Arena.global()));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(soname + " (Debian package " + debianPackage + ") cannot be loaded: "
                    + e.getMessage(), e);
        }
    }

    /** The C library's symbols ({@link Linker#defaultLookup()}), always there. */
    public static NativeLibrary libc() {
        return new NativeLibrary(LINKER.defaultLookup());
    }

    /** The address of {@code name}; a library without it fails here. */
    public MemorySegment find(String name) {
        return lookup.findOrThrow(name);
    }

    /** A downcall handle for {@code name} with the C prototype {@code descriptor}. */
    public MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        return downcall(find(name), descriptor);
    }

    /** A downcall handle for the function at {@code address}. */
    public static MethodHandle downcall(MemorySegment address, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(address, descriptor);
    }

    /**
     * What a {@code catch (Throwable t)} around {@link MethodHandle#invokeExact} throws: a {@link RuntimeException}
     * or {@link Error} as it is (thrown here), anything else (a downcall declares no checked exception; only the
     * handle's signature allows one) wrapped. Used as {@code throw unchecked(t)}.
     */
    public static RuntimeException unchecked(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native downcall failed", t);
    }
}
