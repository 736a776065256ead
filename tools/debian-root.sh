# Sourced by the scripts that build a Debian root from the archive and cache it outside the checkout
# (guestdata-e2e/image/build-guest-image, tools/nova-oracle/build-trixie-root). One way for both to key a
# build by its recipe, build once under a lock, build in a temporary folder renamed into place only when
# complete (an interrupted build is never taken for a cached one), record what went in, and prune.
#
# A cache folder <cache>/<prefix>-<key>/ is finished when it holds `recipe`; `last-used` is touched on
# every use, so builds of recipes nobody used for 14 days can be pruned.

# debian_root_key FILE...: the recipe key, the first 16 hex digits of the SHA-256 of the files (the recipe)
debian_root_key() {
    cat "$@" | sha256sum | cut -c1-16
}

# debian_root_cached DIR: true when DIR is a finished build (and marks it used)
debian_root_cached() {
    [ -f "$1/recipe" ] || return 1
    touch "$1/last-used" 2>/dev/null || true
}

# debian_root_begin NAME CACHE KEY FINAL TOOL...: as root, with every TOOL on PATH, takes the recipe's lock (two
# runs started together build once). When FINAL was finished meanwhile by the run that held the lock, prints
# FINAL and exits 0, as the scripts do for a cached build; otherwise sets $work, a new temporary folder beside
# FINAL, removed on exit (nothing mounted below it is left mounted). NAME prefixes the messages.
debian_root_begin() {
    local name=$1 cache=$2 key=$3 final=$4 tool
    shift 4
    [ "$(id -u)" = 0 ] || { echo "$name: needs root (debootstrap and chroot)" >&2; exit 2; }
    for tool in debootstrap chroot "$@"; do
        command -v "$tool" >/dev/null || { echo "$name: $tool not found (see tools/test-packages.sh)" >&2; exit 2; }
    done
    mkdir -p "$cache"
    exec 9>"$cache/.lock-$key"
    flock 9
    if debian_root_cached "$final"; then echo "$final"; exit 0; fi
    rm -rf "$cache/.build-$key."*   # left by a build that was killed (we hold the lock: none is running)
    work=$(mktemp -d "$cache/.build-$key.XXXXXX")
    trap debian_root_cleanup EXIT
    trap 'exit 130' INT TERM
}

debian_root_cleanup() {
    local m
    # deepest first; umount -l so a busy mount never stops the removal
    findmnt -rn -o TARGET | grep -F "$work/" | sort -r | while read -r m; do umount -l "$m"; done || true
    rm -rf "$work"
}

# debian_root_debootstrap NAME SUITE ROOT MIRROR PACKAGES: debootstrap --variant=minbase with PACKAGES
# (comma-separated) into ROOT; on failure the log's tail and exit 1
debian_root_debootstrap() {
    local name=$1 suite=$2 root=$3 mirror=$4 packages=$5
    echo "$name: debootstrap $suite from $mirror (about 1-3 minutes)" >&2
    debootstrap --variant=minbase ${packages:+--include="$packages"} "$suite" "$root" "$mirror" \
        >"$work/debootstrap.log" 2>&1 || {
        tail -30 "$work/debootstrap.log" >&2
        # exit 3: the archive could not be reached (no network), which a caller may treat as "cannot build here"
        if grep -q "Failed getting release file" "$work/debootstrap.log"; then
            echo "$name: the Debian archive $mirror is unreachable" >&2; exit 3
        fi
        echo "$name: debootstrap failed (log above)" >&2; exit 1; }
}

# debian_root_install OUT FINAL KEY MIRROR VERSIONS: writes OUT/recipe (key, date, mirror, VERSIONS), renames OUT
# to FINAL, then removes the other builds with FINAL's prefix (FINAL less its -<key>) unused for 14 days: an older
# checkout simply builds its own again
debian_root_install() {
    local out=$1 final=$2 key=$3 mirror=$4 versions=$5 old
    { echo "key $key"; echo "built $(date -u +%FT%TZ) from $mirror"; echo "$versions"; } >"$out/recipe.tmp"
    mv "$out/recipe.tmp" "$out/recipe"
    touch "$out/last-used"
    rm -rf "$final"
    mv "$out" "$final"
    local cache prefix
    cache=$(dirname "$final")
    prefix=$(basename "${final%-"$key"}")
    find "$cache" -mindepth 2 -maxdepth 2 -path "$cache/$prefix-*/last-used" -mtime +14 -printf '%h\n' 2>/dev/null |
        while read -r old; do [ "$old" != "$final" ] && rm -rf "$old"; done
    return 0
}
