package io.guestdata.inject.rbd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Set;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Builders;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** {@code parse(t.toString()).equals(t)} for every target parse accepts, with the delimiters in every part. */
class RbdTargetPropertyTest {

    /** Letters and every character the syntax gives a meaning to, except those no name may hold. */
    private static final String NAME_CHARS = "abz09-_.:=;\\ é,";
    private static final String VALUE_CHARS = NAME_CHARS + "@/";

    @Property(tries = 2000)
    void printedTargetParsesBackToItself(@ForAll("targets") RbdTarget t) {
        assertEquals(t, RbdTarget.parse(t.toString()), t::toString);
    }

    @Property(tries = 500)
    void canonicalFormIsAFixedPoint(@ForAll("targets") RbdTarget t) {
        String printed = t.toString();
        assertEquals(printed, RbdTarget.parse(printed).toString());
    }

    @Provide
    Arbitrary<RbdTarget> targets() {
        Arbitrary<String> name = Arbitraries.strings().withChars(NAME_CHARS).ofMinLength(1).ofMaxLength(12);
        Arbitrary<String> value = Arbitraries.strings().withChars(VALUE_CHARS).ofMinLength(1).ofMaxLength(16);
        Arbitrary<Path> path = value.map(v -> Path.of("/" + v));
        Arbitrary<String> key = Arbitraries.strings().withChars("abcdz_").ofMinLength(1).ofMaxLength(10)
                .filter(k -> !Set.of("id", "conf", "keyring", "keyfile", "mon_host", "key", "key_secret",
                        "password_secret").contains(k));
        return Builders.withBuilder(() -> new Object[8])
                .use(name).in((a, v) -> set(a, 0, v))
                .use(Arbitraries.oneOf(Arbitraries.just(""), name)).in((a, v) -> set(a, 1, v))
                .use(name).in((a, v) -> set(a, 2, v))
                .use(value.filter(u -> !u.startsWith("client.")).optional()).in((a, v) -> set(a, 3, v))
                .use(path.optional()).in((a, v) -> set(a, 4, v))
                .use(path.optional()).in((a, v) -> set(a, 5, v))
                .use(value.optional()).in((a, v) -> set(a, 6, v))
                .use(Arbitraries.maps(key, value).ofMaxSize(4)).in((a, v) -> set(a, 7, v))
                .build(a -> new RbdTarget((String) a[0], (String) a[1], (String) a[2], cast(a[3]), cast(a[4]),
                        cast(a[5]), cast(a[6]), cast(a[7])));
    }

    private static Object[] set(Object[] a, int i, Object v) {
        a[i] = v;
        return a;
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object o) {
        return (T) o;
    }
}
