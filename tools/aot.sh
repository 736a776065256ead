# Sourced by ./guestdata and the installed /usr/bin/guestdata: the JDK's ahead-of-time cache (JEP 483/514/515)
# that makes a short command start in a fraction of the time (docs/benchmarks.md, start-up).
#
# The cache holds classes from the jars as they were when it was made, and the JVM does not notice when a jar
# on the class path is replaced by another of the same name (checked with JDK 25: it went on using the cached
# classes). So the cache never goes stale silently: beside it, CACHE.key holds a fingerprint of everything it
# was made from (the JDK's release file, module image and java binary, each jar's name, size and mtime, the JVM options);
# a command only uses the cache when the fingerprint still matches, and the launcher remakes it when not.

# guestdata_aot_key JAVA_HOME CLASSPATH OPTIONS: prints the fingerprint (a few lines; one process, as the launcher
# checks it before every command).
guestdata_aot_key() {
    local java_home="$1" classpath="$2" options="$3"
    local IFS=:
    printf 'options %s\n' "$options"
    # shellcheck disable=SC2086 # the class path splits at ':'
    stat -L -c '%n %s %Y' "$java_home/release" "$java_home/lib/modules" "$java_home/bin/java" $classpath
}

# guestdata_aot_fresh JAVA_HOME CACHE CLASSPATH OPTIONS: true when CACHE exists and was made from exactly these.
# Before every command, so with builtins and one process (stat): the key file is read with `read`, not $(<…).
guestdata_aot_fresh() {
    [ -f "$2" ] && [ -f "$2.key" ] || return 1
    local recorded="" current
    IFS= read -r -d '' recorded <"$2.key" || true
    current="$(guestdata_aot_key "$1" "$3" "$4")"
    [ "${recorded%$'\n'}" = "$current" ]
}

# The commands that have a cache, one each (io.guestdata.cli.AotTraining.COMMANDS says why): DIR/COMMAND.aot.
GUESTDATA_AOT_COMMANDS="validate metadata configdrive batch inject"

# guestdata_aot_cache DIR COMMAND: sets GUESTDATA_AOT_CACHE to DIR/COMMAND.aot when COMMAND has a cache, else to
# nothing (a variable, not output: the launchers call it before every command, and $(…) would fork).
guestdata_aot_cache() {
    GUESTDATA_AOT_CACHE=""
    case " $GUESTDATA_AOT_COMMANDS " in
        *" $2 "*) GUESTDATA_AOT_CACHE="$1/$2.aot" ;;
    esac
}

# guestdata_aot_make JAVA_HOME CACHE CLASSPATH OPTIONS COMMAND: makes CACHE by COMMAND's training run
# (io.guestdata.cli.AotTraining: the command on the example instance, 3-5 s), written under temporary names and
# renamed into place, key last. Failures go to stderr; on failure nothing is left and it returns 1.
guestdata_aot_make() {
    local java_home="$1" cache="$2" classpath="$3" options="$4" command="$5" tmp scratch
    tmp="$cache.$$.tmp"
    mkdir -p "${cache%/*}"
    scratch="$(mktemp -d "${TMPDIR:-/tmp}/guestdata-aot.XXXXXX")"
    rm -f "$tmp" "$tmp.config"
    # shellcheck disable=SC2086 # OPTIONS is a list of JVM options
    if "$java_home/bin/java" $options -Xlog:disable -Xlog:all=error:stderr -XX:AOTCacheOutput="$tmp" \
            -cp "$classpath" io.guestdata.cli.AotTraining "$scratch/run" "$command" >/dev/null 2>"$scratch/log" \
            && [ -s "$tmp" ]; then
        guestdata_aot_key "$java_home" "$classpath" "$options" >"$tmp.key"
        mv -f "$tmp" "$cache"
        mv -f "$tmp.key" "$cache.key"
        rm -rf "$scratch"
        return 0
    fi
    echo "guestdata: could not make the start-up cache $cache (commands work, only start slower):" >&2
    sed 's/^/guestdata:   /' "$scratch/log" >&2
    rm -rf "$scratch" "$tmp" "$tmp.key" "$tmp.config"
    return 1
}
