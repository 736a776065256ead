# Sourced by ./guestdata: whether the project's own sources changed since a build.
#
# Only what goes into the jars counts: the root pom, each module's pom and src/main, and the example instance
# (the start-up cache's training run ships it). Generated sources, benchmark builds and anything else under
# target/ or bench/, tests, docs and .git never make the launcher run Maven.

# guestdata_sources_changed ROOT STAMP: true when a source file is newer than STAMP.
guestdata_sources_changed() {
    local root="$1" stamp="$2" inputs=()
    inputs+=("$root/pom.xml" "$root/examples/instance.json")
    local module
    for module in "$root"/guestdata-*/; do
        module="${module%/}"
        [ "${module##*/}" = guestdata-testkit ] && continue   # tests only, in no jar the launcher runs
        [ -f "$module/pom.xml" ] && inputs+=("$module/pom.xml")
        [ -d "$module/src/main" ] && inputs+=("$module/src/main")
    done
    [ -n "$(find "${inputs[@]}" -newer "$stamp" -print -quit 2>/dev/null)" ]
}
