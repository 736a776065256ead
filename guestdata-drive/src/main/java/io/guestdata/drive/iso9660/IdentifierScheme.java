package io.guestdata.drive.iso9660;

/**
 * How the real names of one directory's entries become identifiers in one hierarchy (primary or
 * Joliet), and when two identifiers are the same for a reader.
 */
interface IdentifierScheme {
    /** The identifier a name maps to when nothing clashes with it. */
    String natural(String name, boolean directory);

    /** The {@code k}-th fallback (k = 1, 2, …) for an identifier that clashes. */
    String alternative(String natural, boolean directory, int k);

    /** Two identifiers clash when their keys are equal. */
    String key(String identifier, boolean directory);

    /** Whether {@code natural} is {@code name} with nothing replaced or cut (only what the scheme always adds); such entries win clashes. */
    boolean exact(String name, String natural, boolean directory);
}
