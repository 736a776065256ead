#!/bin/bash
# Self-test of the Nova oracle: runs it on samples/*.json and checks the facts
# shared/spec/nova-compat.md states verbatim (expected texts in
# samples/expected/, copied from the spec). Exits non-zero on any mismatch
# and prints what differed.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ORACLE="$HERE/nova_oracle.py"
S="$HERE/samples"
E="$S/expected"
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/nova-oracle-selftest.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
FAILED=0
CHECKS=0

ok()   { CHECKS=$((CHECKS + 1)); echo "ok   $1"; }
bad()  { CHECKS=$((CHECKS + 1)); FAILED=$((FAILED + 1)); echo "FAIL $1"; shift
         for line in "$@"; do printf '%s\n' "$line" | sed 's/^/     | /'; done; }

# same_file NAME EXPECTED_FILE ACTUAL_FILE: byte-for-byte
same_file() {
    if cmp -s "$2" "$3"; then ok "$1"
    else bad "$1" "$(diff -u "$2" "$3" | head -40)" \
                  "$(cmp "$2" "$3" 2>&1)"; fi
}
# same_text NAME EXPECTED ACTUAL: strings, byte-for-byte
same_text() {
    if [ "$2" == "$3" ]; then ok "$1"
    else bad "$1" "expected: $(printf '%q' "$2")" "actual:   $(printf '%q' "$3")"; fi
}
# run CMD...: the oracle must succeed
run() {
    if ! "$@" 2>"$WORK/stderr"; then
        bad "command failed: $*" "$(cat "$WORK/stderr")"
        return 1
    fi
}
# lookup DOC PATH [args]: stdout bytes into $WORK/body, headers into $WORK/headers
lookup() {
    local doc=$1 path=$2; shift 2
    "$ORACLE" lookup "$S/$doc" "$path" --print-headers "$@" \
        >"$WORK/body" 2>"$WORK/headers"
}

echo "== trees"
for s in minimal full static dhcp nonascii; do
    run "$ORACLE" tree "$S/$s.json" "$WORK/$s" || true
done
files_of() { (cd "$1" && find . -type f | sed 's|^\./||' | LC_ALL=C sort); }

# §1.8 verified file list (user data + 1 injected file + network_config).
files_of "$WORK/static" >"$WORK/static.files"
same_file "§1.8 config-drive file list (static: user data, 1 file, network_config)" \
    "$E/config_drive_files.txt" "$WORK/static.files"
# Same list without network_config but 2 files: content/0000 and 0001 again.
files_of "$WORK/full" >"$WORK/full.files"
same_file "§1.8 file list (full: user data, 2 files, no network)" \
    "$E/config_drive_files.txt" "$WORK/full.files"
# No user data, no files: no user_data/user-data, no content/.
grep -v -e user_data -e user-data -e content/ "$E/config_drive_files.txt" >"$WORK/min.expected"
files_of "$WORK/minimal" >"$WORK/min.files"
same_file "§1.8 file list (minimal: no user data, no content)" "$WORK/min.expected" "$WORK/min.files"

# §1.4 meta_data.json, verified example: key order and values, random_seed
# replaced by the spec's "<684 chars>" only when it is exactly 684 chars.
seedless() {
    $PY -c '
import re, sys
data = open(sys.argv[1], "rb").read().decode("ascii")
out, n = re.subn(r"\"random_seed\": \"[A-Za-z0-9+/=]{684}\"", "\"random_seed\": \"<684 chars>\"", data)
sys.stdout.write(out)' "$1"
}
seedless "$WORK/static/openstack/latest/meta_data.json" >"$WORK/md.latest"
same_file "§1.4 meta_data.json (latest, config drive) = verified example" \
    "$E/meta_data_latest.json" "$WORK/md.latest"

# §1.4 random_seed: 684 chars from 2013-04-04 on, absent in 2012-08-10,
# different in every version file (regenerated per render).
seeds=$($PY - "$WORK/static/openstack" <<'EOF'
import json, os, sys
root = sys.argv[1]
problems, seeds = [], {}
for v in sorted(os.listdir(root)):
    if v == 'content':
        continue
    md = json.load(open(os.path.join(root, v, 'meta_data.json')))
    if v == '2012-08-10':
        if 'random_seed' in md:
            problems.append('2012-08-10 has random_seed')
        continue
    seed = md.get('random_seed')
    if seed is None or len(seed) != 684:
        problems.append('%s: random_seed length %s' % (v, None if seed is None else len(seed)))
    seeds[v] = seed
if len(set(seeds.values())) != len(seeds):
    problems.append('random_seed repeated across versions')
print('\n'.join(problems))
EOF
)
[ -z "$seeds" ] && ok "§1.4 random_seed is 684 chars, absent in 2012-08-10, fresh per version" \
               || bad "§1.4 random_seed" "$seeds"

# §1.4 key gating per version (project_id ≥2015-10-15, devices ≥2016-06-30,
# dedicated_cpus ≥2020-10-14), admin_pass in every version.
gating=$($PY - "$WORK/static/openstack" <<'EOF'
import json, os, sys
root = sys.argv[1]
order = ['2012-08-10', '2013-04-04', '2013-10-17', '2015-10-15', '2016-06-30',
         '2016-10-06', '2017-02-22', '2018-08-27', '2020-10-14', 'latest']
gates = {'random_seed': 1, 'project_id': 3, 'devices': 4, 'dedicated_cpus': 8}
problems = []
for i, v in enumerate(order):
    md = json.load(open(os.path.join(root, v, 'meta_data.json')))
    for key, first in gates.items():
        if (key in md) != (i >= first):
            problems.append('%s: %s %s' % (v, key, 'present' if key in md else 'missing'))
    if md.get('admin_pass') != 'secret':
        problems.append('%s: admin_pass %r' % (v, md.get('admin_pass')))
print('\n'.join(problems))
EOF
)
[ -z "$gating" ] && ok "§1.4 version gating of keys; admin_pass in every version" \
                || bad "§1.4 version gating" "$gating"

# §1.8 quirk: ec2 meta-data.json keeps "_name" inside public-keys/0.
ec2=$(cat "$WORK/static/ec2/latest/meta-data.json")
want='"public-keys": {"0": {"_name": "0=mykey", "openssh-key": "ssh-rsa AAAAB3Nza user@host"}}'
case "$ec2" in
    *"$want"*) ok "§1.8 _name quirk in ec2/latest/meta-data.json" ;;
    *) bad "§1.8 _name quirk in ec2/latest/meta-data.json" "wanted substring: $want" "file: $ec2" ;;
esac
same_file "ec2/2009-04-04 and ec2/latest meta-data.json are identical" \
    "$WORK/static/ec2/2009-04-04/meta-data.json" "$WORK/static/ec2/latest/meta-data.json"

# §5.1 verified network_data.json (DHCP v4 + SLAAC v6, unbound vif, no devname).
same_file "§5.1 network_data.json, verified DHCP+SLAAC example" \
    "$E/network_data_dhcp_slaac.json" "$WORK/dhcp/openstack/latest/network_data.json"
# §5.1 static v4 entry example.
entry=$($PY -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["networks"][0]), end="")' \
        "$WORK/static/openstack/latest/network_data.json")
same_text "§5.1 static v4 network entry example" "$(cat "$E/network_static_v4_entry.json")" "$entry"
# network_data.json gated from 2015-10-15 on the drive; {} with no network.
same_text "§5.1 no network info gives {}" '{}' "$(cat "$WORK/full/openstack/latest/network_data.json")"

# §5.2 interfaces template, verbatim (content/0000 of the static sample).
same_file "§5.2 interfaces template text (content/0000)" \
    "$E/interfaces.txt" "$WORK/static/openstack/content/0000"
# DHCP on the first v4 subnet: no template, no network_config key.
if [ ! -e "$WORK/dhcp/openstack/content" ] && ! grep -q network_config "$WORK/dhcp/openstack/latest/meta_data.json"; then
    ok "§5.2 DHCP subnet: no template, no network_config"
else bad "§5.2 DHCP subnet: no template, no network_config" "$(ls "$WORK/dhcp/openstack")"; fi

# §1.5 content numbering and decoded file bytes.
same_text "§1.5 content/0001 = decoded personality bytes" "$(printf 'foo\n')" \
    "$(cat "$WORK/static/openstack/content/0001")"

# §8 sanitize_hostname: Café Übung 日本 -> café-übung; 日本語 -> Server-<uuid>.
hn() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["hostname"], end="")' "$1"; }
same_text "§8 hostname of 'Café Übung 日本'" "café-übung.novalocal" "$(hn "$WORK/dhcp/openstack/latest/meta_data.json")"
same_text "§8 hostname of '日本語' falls back to Server-<uuid>" \
    "Server-e1e2e3e4-f5f6-4a7b-8c9d-0a1b2c3d4e5f.novalocal" "$(hn "$WORK/nonascii/openstack/latest/meta_data.json")"
# §1.7 ensure_ascii: non-ASCII as \uXXXX.
if grep -q '"name": "\\u65e5\\u672c\\u8a9e"' "$WORK/nonascii/openstack/latest/meta_data.json" \
   && ! LC_ALL=C grep -q -P '[\x80-\xff]' "$WORK/nonascii/openstack/latest/meta_data.json"; then
    ok "§1.7 JSON is ASCII with \\uXXXX escapes"
else bad "§1.7 JSON is ASCII with \\uXXXX escapes" "$(head -c 300 "$WORK/nonascii/openstack/latest/meta_data.json")"; fi

echo "== ISO"
if run "$ORACLE" iso "$S/static.json" "$WORK/static.iso"; then
    info=$(isoinfo -d -i "$WORK/static.iso")
    vol=$(printf '%s\n' "$info" | sed -n 's/^Volume id: //p')
    pub=$(printf '%s\n' "$info" | sed -n 's/^Publisher id: //p')
    same_text "§6 ISO volume id" "config-2" "$vol"
    same_text "§6 ISO publisher" "OpenStack Nova 26.2.2" "$pub"
    for sig in "Joliet with UCS level 3 found" "Rock Ridge signatures version 1 found" \
               "Logical block size is: 2048"; do
        case "$info" in *"$sig"*) ok "§6 isoinfo: $sig" ;; *) bad "§6 isoinfo: $sig" "$info" ;; esac
    done
    isoinfo -R -f -i "$WORK/static.iso" | sed 's|^/||' | LC_ALL=C sort >"$WORK/iso.all"
    grep -F -x -f <(sed 's|/[^/]*$||' "$E/config_drive_files.txt" | sort -u; \
                    sed 's|/[^/]*$||' "$E/config_drive_files.txt" | sed 's|/[^/]*$||' | sort -u) \
         -v "$WORK/iso.all" >"$WORK/iso.files"
    same_file "§1.8 ISO (Rock Ridge) holds exactly the verified file list" \
        "$E/config_drive_files.txt" "$WORK/iso.files"
    lab=$(blkid -o value -s LABEL "$WORK/static.iso" 2>/dev/null || true)
    [ -n "$lab" ] && same_text "§6 blkid LABEL" "config-2" "$lab"
fi

echo "== metadata service (lookup)"
lookup full.json /latest/meta-data/ --requester-ip 10.0.0.9
same_text "§1.6 GET /latest/meta-data/ listing (no trailing newline)" \
    "$(cat "$E/ec2_latest_meta-data_listing.txt"; printf x)" "$(cat "$WORK/body"; printf x)"
same_text "§2.5 listing Content-Type" $'200 OK\nContent-Type: text/plain; charset=UTF-8' "$(cat "$WORK/headers")"
lookup full.json /1.0/meta-data/ --requester-ip 10.0.0.9
same_text "§1.6 GET /1.0/meta-data/ listing" \
    "$(cat "$E/ec2_1.0_meta-data_listing.txt"; printf x)" "$(cat "$WORK/body"; printf x)"
for p in /latest/meta-data/public-keys /latest/meta-data/public-keys/; do
    lookup full.json "$p" --requester-ip 10.0.0.9
    same_text "§1.6 GET $p" "0=mykeyx" "$(cat "$WORK/body"; printf x)"
done
lookup full.json /latest/meta-data/public-keys/0 --requester-ip 10.0.0.9
same_text "§1.6 GET public-keys/0" "openssh-keyx" "$(cat "$WORK/body"; printf x)"
lookup full.json /latest/meta-data/public-keys/0/openssh-key --requester-ip 10.0.0.9
same_text "§1.6 GET public-keys/0/openssh-key" "ssh-rsa AAAAB3Nza user@hostx" "$(cat "$WORK/body"; printf x)"
lookup full.json /latest/meta-data/security-groups --requester-ip 10.0.0.9
same_text "§1.6 security-groups joined by \\n" $'default\nwebx' "$(cat "$WORK/body"; printf x)"
lookup full.json /latest/meta-data/local-ipv4 --requester-ip 10.0.0.9
same_text "§1.6 local-ipv4 falls back to the requester address" "10.0.0.9" "$(cat "$WORK/body")"
lookup static.json /latest/meta-data/local-ipv4
same_text "§1.6 local-ipv4 = first fixed IPv4" "10.0.0.5" "$(cat "$WORK/body")"
lookup full.json /latest/meta-data/../user-data --requester-ip 10.0.0.9
same_text "§1.2 /latest/meta-data/../user-data is /latest/user-data" \
    "$(printf '#cloud-config\nhostname: host001\n')" "$(cat "$WORK/body")"
lookup full.json /openstack/latest --requester-ip 10.0.0.9
same_text "§1.3 /openstack/latest listing" \
    $'meta_data.json\nuser_data\npassword\nvendor_data.json\nnetwork_data.json\nvendor_data2.jsonx' \
    "$(cat "$WORK/body"; printf x)"
lookup full.json /openstack/latest/meta_data.json --requester-ip 10.0.0.9
same_text "§2.5 meta_data.json Content-Type" $'200 OK\nContent-Type: application/json' "$(cat "$WORK/headers")"
svc=$($PY -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))), end="")' "$WORK/body")
same_text "§1.4 service meta_data.json keys: no files, no admin_pass" \
    "uuid meta public_keys keys hostname name launch_index availability_zone random_seed project_id devices dedicated_cpus" "$svc"
lookup static.json /openstack/2012-08-10/network_data.json
same_text "§1.3 network_data.json not version-gated; text/plain" \
    $'200 OK\nContent-Type: text/plain; charset=UTF-8' "$(cat "$WORK/headers")"
lookup static.json /openstack/content/0000
same_file "§5.2 /openstack/content/0000 served by the service" "$E/interfaces.txt" "$WORK/body"
lookup full.json /openstack/latest/password --requester-ip 10.0.0.9
same_text "§2.5 password GET: empty, text/html" $'200 OK\nContent-Type: text/html; charset=UTF-8|' \
    "$(cat "$WORK/headers")|$(cat "$WORK/body")"
for p in /nope /openstack/content /openstack/content/0000 /openstack/2012-08-10/password \
         /openstack/1999-01-01/meta_data.json /latest/meta-data/nope; do
    lookup full.json "$p" --requester-ip 10.0.0.9; rc=$?
    if [ $rc -eq 44 ] && [ ! -s "$WORK/body" ]; then ok "§1.2 $p -> exit 44, empty stdout"
    else bad "§1.2 $p -> exit 44, empty stdout" "rc=$rc stdout=$(head -c 200 "$WORK/body")"; fi
done

echo "== batch and bad input"
$PY - "$S" "$WORK" >"$WORK/list.json" <<'EOF'
import json, sys
s, w = sys.argv[1:]
print(json.dumps([{"doc": "%s/%s.json" % (s, n), "out": "%s/batch-%s" % (w, n)}
                  for n in ("minimal", "full", "static", "dhcp", "nonascii")]))
EOF
if run "$ORACLE" tree-batch "$WORK/list.json"; then
    for n in minimal full static dhcp nonascii; do
        d=$(diff -r -q "$WORK/$n" "$WORK/batch-$n" | grep -v meta_data.json)
        # meta_data.json differs only in random_seed (and only from 2013-04-04)
        for f in $(cd "$WORK/$n" && find . -name meta_data.json); do
            if ! cmp -s <(seedless "$WORK/$n/$f") <(seedless "$WORK/batch-$n/$f"); then d="$d $f"; fi
        done
        [ -z "$d" ] && ok "tree-batch = tree ($n)" || bad "tree-batch = tree ($n)" "$d"
    done
fi
printf '{"uuid": "nope", "name": "x"}' >"$WORK/bad1.json"
printf '{"uuid": "11111111-2222-4333-8444-555555555555", "name": "x", "extra": 1}' >"$WORK/bad2.json"
printf 'not json' >"$WORK/bad3.json"
printf '{"uuid": "11111111-2222-4333-8444-555555555555", "name": "x", "user_data": "abc"}' >"$WORK/bad4.json"
printf '{"uuid": "11111111-2222-4333-8444-555555555555", "name": "x", "key_name": "k"}' >"$WORK/bad5.json"
for b in bad1 bad2 bad3 bad4 bad5; do
    "$ORACLE" tree "$WORK/$b.json" "$WORK/out-$b" 2>"$WORK/err"; rc=$?
    lines=$(wc -l <"$WORK/err")
    if [ $rc -ne 0 ] && [ "$lines" -eq 1 ] && [ ! -e "$WORK/out-$b" ]; then ok "bad input $b: exit $rc, one line, no output"
    else bad "bad input $b" "rc=$rc lines=$lines" "$(cat "$WORK/err")"; fi
done
"$ORACLE" tree "$S/full.json" "$WORK/full" 2>"$WORK/err"; rc=$?
[ $rc -ne 0 ] && ok "tree refuses a non-empty OUTDIR" || bad "tree refuses a non-empty OUTDIR" "rc=$rc"

echo
if [ $FAILED -ne 0 ]; then
    echo "selftest: $FAILED of $CHECKS checks FAILED"
    exit 1
fi
echo "selftest: all $CHECKS checks passed"
