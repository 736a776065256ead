# The JVM options of the guestdata command, in one place: sourced by the source-tree launcher ./guestdata and by
# the installed one (/usr/bin/guestdata, which reads it as /usr/share/guestdata/jvm-options.sh), so the two cannot
# drift.
#
# guestdata_jvm_options COMMAND sets
#   GUESTDATA_DEFAULT_JAVA_OPTS  the tuning for COMMAND (the first argument of guestdata); $GUESTDATA_JAVA_OPTS,
#                                when set, replaces it. Short commands start fastest with C1 only and without the
#                                hsperfdata file; serve and proxy run for days, so they keep C2 for their hot path.
#                                The serial collector suits the small heaps of both.
#   GUESTDATA_REQUIRED_JAVA_OPTS what every run needs, whatever GUESTDATA_JAVA_OPTS says: --enable-native-access,
#                                as inject calls libext2fs and libc through the FFM API; the JVM's own warnings on
#                                stderr (its default is stdout, which is a command's data: metadata answers, XML).
#                                The launchers put them first, so -Xlog in GUESTDATA_JAVA_OPTS still applies.
# GUESTDATA_AOT_OPTS: the options the start-up cache (tools/aot.sh) is made with and checked against.

guestdata_jvm_options() {
    case "${1:-}" in
        serve|proxy) GUESTDATA_DEFAULT_JAVA_OPTS="-XX:+UseSerialGC" ;;
        *) GUESTDATA_DEFAULT_JAVA_OPTS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData" ;;
    esac
    GUESTDATA_REQUIRED_JAVA_OPTS="--enable-native-access=ALL-UNNAMED -Xlog:disable -Xlog:all=warning:stderr"
}

GUESTDATA_AOT_OPTS="-XX:+UseSerialGC --enable-native-access=ALL-UNNAMED"
