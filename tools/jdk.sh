# Sourced by ./guestdata and ./run-tests: sets GUESTDATA_JAVA_HOME to a JDK >= 25.
# Order: $GUESTDATA_JAVA_HOME, $JAVA_HOME, then every JDK under /usr/lib/jvm (newest first).
# The machine's default `java` is often older (17), so we never rely on PATH.

guestdata_jdk_feature() {   # prints the feature version of the JDK at $1, or nothing
    local release="$1/release" v
    [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] && [ -f "$release" ] || return 0
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release")
    printf '%s' "$v"
}

guestdata_find_jdk() {
    local candidate v
    for candidate in "${GUESTDATA_JAVA_HOME:-}" "${JAVA_HOME:-}" $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
        [ -n "$candidate" ] || continue
        candidate="${candidate%/}"
        v=$(guestdata_jdk_feature "$candidate")
        if [ -n "$v" ] && [ "$v" -ge 25 ]; then
            GUESTDATA_JAVA_HOME="$candidate"
            export GUESTDATA_JAVA_HOME
            return 0
        fi
    done
    echo "guestdata: no JDK 25 or newer found (looked at \$GUESTDATA_JAVA_HOME, \$JAVA_HOME, /usr/lib/jvm/*)." >&2
    echo "guestdata: install one (e.g. Temurin 25) or set GUESTDATA_JAVA_HOME." >&2
    return 1
}
