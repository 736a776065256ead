package io.guestdata.core.document;

/**
 * An RFC 6901 JSON pointer into the instance document, built one step at a time while the
 * validator walks the tree. {@code ~} is written {@code ~0} and {@code /} is written {@code ~1}
 * (RFC 6901 §3), so a metadata key {@code a/b} is {@code /metadata/a~1b}.
 *
 * @param text the pointer text; the empty string is the whole document (RFC 6901 §5)
 */
record DocumentPointer(String text) {

    static DocumentPointer root() {
        return new DocumentPointer("");
    }

    /** The member {@code name} of the object this pointer names. */
    DocumentPointer member(String name) {
        return new DocumentPointer(text + "/" + name.replace("~", "~0").replace("/", "~1"));
    }

    /** The element {@code index} of the array this pointer names. */
    DocumentPointer element(int index) {
        return new DocumentPointer(text + "/" + index);
    }

    @Override
    public String toString() {
        return text;
    }
}
