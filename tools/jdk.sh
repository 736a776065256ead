# Sourced by ./guestdata, ./run-tests and the tools and benchmarks: sets GUESTDATA_JAVA_HOME to a JDK >= 25.
# Order: $GUESTDATA_JAVA_HOME, $JAVA_HOME, the caller's hint, then every JDK under /usr/lib/jvm (newest first).
# The machine's default `java` is often older (17), so we never rely on PATH.
# The launcher runs this before every command: no process is started unless /usr/lib/jvm must be searched.

guestdata_jdk_is_25() {   # true when $1 is a JDK (java and javac) of feature version 25 or newer
    local line v=""
    [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] && [ -f "$1/release" ] || return 1
    while IFS= read -r line; do
        case "$line" in
            JAVA_VERSION=\"*) v="${line#JAVA_VERSION=\"}"; v="${v%%[!0-9]*}"; break ;;
        esac
    done <"$1/release"
    [ -n "$v" ] && [ "$v" -ge 25 ]
}

guestdata_find_jdk() {   # [HINT]: a JDK to try after the two variables, before searching (the launcher's last)
    local candidate
    for candidate in "${GUESTDATA_JAVA_HOME:-}" "${JAVA_HOME:-}" "${1:-}"; do
        if [ -n "$candidate" ] && guestdata_jdk_is_25 "${candidate%/}"; then
            GUESTDATA_JAVA_HOME="${candidate%/}"
            export GUESTDATA_JAVA_HOME
            return 0
        fi
    done
    for candidate in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
        if guestdata_jdk_is_25 "${candidate%/}"; then
            GUESTDATA_JAVA_HOME="${candidate%/}"
            export GUESTDATA_JAVA_HOME
            return 0
        fi
    done
    echo "guestdata: no JDK 25 or newer found (looked at \$GUESTDATA_JAVA_HOME, \$JAVA_HOME, /usr/lib/jvm/*)." >&2
    echo "guestdata: install one (e.g. Temurin 25) or set GUESTDATA_JAVA_HOME." >&2
    return 1
}
