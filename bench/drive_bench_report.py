#!/usr/bin/python3
"""Reads the per-round outputs of bench/run-drive-bench and prints the table of per-drive times and
ratios; writes the same, with the machine and the raw figures, as JSON. Standard library only.

Every ratio is taken inside one round (peers measured minutes apart at most, on the same machine,
document and file system); the summary gives the median and the range of those per-round ratios.
"""
import argparse
import datetime
import json
import os
import platform
import socket
import statistics
import subprocess
import sys

TARGET = 50.0

# JMH benchmark → (key, label)
JMH = [
    ('isoFile', 'ours_iso_file', 'ours in-process: doc → ISO file (fsync+rename)'),
    ('isoFileNoSync', 'ours_iso_file_nosync', 'ours in-process: doc → ISO file, no fsync'),
    ('vfatFile', 'ours_vfat_file', 'ours in-process: doc → VFAT file (fsync+rename)'),
    ('isoWriterDiscard', 'ours_iso_writer', '  ISO writer alone (to a discarding channel)'),
    ('metadataTree', 'ours_metadata_tree', '  MetadataTree + configDriveFiles'),
    ('parseDocument', 'ours_parse', '  parse + validate the document'),
]

RATIOS = [
    ('nova_over_ours_inprocess', 'Nova path ÷ ours in-process (fsync)', 'nova_path', 'ours_iso_file'),
    ('nova_over_ours_inprocess_nosync', 'Nova path ÷ ours in-process (no fsync)', 'nova_path',
     'ours_iso_file_nosync'),
    ('genisoimage_over_ours_inprocess', 'bare genisoimage ÷ ours in-process (fsync)', 'bare_genisoimage',
     'ours_iso_file'),
    ('genisoimage_over_ours_inprocess_nosync', 'bare genisoimage ÷ ours in-process (no fsync)',
     'bare_genisoimage', 'ours_iso_file_nosync'),
    ('nova_over_ours_process', 'Nova path ÷ our process (JVM start incl.)', 'nova_path', 'ours_process'),
    ('nova_process_over_ours_process', 'Nova process ÷ our process (both cold)', 'nova_process',
     'ours_process'),
]


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def text(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except FileNotFoundError:
        return None


def hyperfine_ms(path):
    data = load(path)
    if not data:
        return None
    r = data['results'][0]
    return {k: round(r[k] * 1000, 3) for k in ('mean', 'stddev', 'median', 'min', 'max') if r.get(k) is not None} \
        | {'runs': len(r['times'])}


def one_round(work, r):
    m = {}
    raw = {'load_before_step': {}}
    for step in ('nova-a', 'jmh-headline', 'nova-b', 'geniso', 'jmh-breakdown', 'process'):
        raw['load_before_step'][step] = text(os.path.join(work, 'r%d-%s.load' % (r, step)))
    # Nova's drives of the round: half before our headline benchmarks, half after.
    parts = [load(os.path.join(work, 'r%d-nova-%s.json' % (r, p))) for p in ('a', 'b')]
    raw['nova'] = parts
    drives = sum(p['drives'] for p in parts)
    m['nova_path'] = round(sum(p['seconds'] for p in parts) * 1000 / drives, 3)
    m['nova_metadata'] = round(sum(p['metadata_per_drive_ms'] * p['drives'] for p in parts) / drives, 3)
    m['nova_path_before_after'] = [p['per_drive_ms'] for p in parts]
    geniso = load(os.path.join(work, 'r%d-geniso.json' % r))
    raw['genisoimage'] = geniso
    m['bare_genisoimage'] = geniso['per_run_ms']
    jmh = (load(os.path.join(work, 'r%d-jmh-headline.json' % r)) or []) + \
        (load(os.path.join(work, 'r%d-jmh-breakdown.json' % r)) or [])
    raw['jmh'] = []
    by_name = {}
    for b in jmh:
        name = b['benchmark'].rsplit('.', 1)[1]
        pm = b['primaryMetric']
        scale = {'us/op': 1e-3, 'ms/op': 1.0, 'ns/op': 1e-6}[pm['scoreUnit']]
        err = pm.get('scoreError')
        if not isinstance(err, (int, float)) or err != err:   # JMH writes "NaN" for one iteration
            err = None
        by_name[name] = (pm['score'] * scale, None if err is None else err * scale)
        raw['jmh'].append({'benchmark': name, 'score': pm['score'], 'error': err, 'unit': pm['scoreUnit'],
                           'forks': b.get('forks'), 'warmup': '%s x %s' % (b.get('warmupIterations'),
                                                                            b.get('warmupTime')),
                           'measurement': '%s x %s' % (b.get('measurementIterations'),
                                                        b.get('measurementTime')),
                           'iterations': pm.get('rawData')})
    m['jmh_error_ms'] = {}
    for bench, key, _ in JMH:
        if bench in by_name:
            m[key] = round(by_name[bench][0], 4)
            if by_name[bench][1] is not None:
                m['jmh_error_ms'][key] = round(by_name[bench][1], 4)
    ours = hyperfine_ms(os.path.join(work, 'r%d-hf-ours.json' % r))
    novap = hyperfine_ms(os.path.join(work, 'r%d-hf-nova.json' % r))
    jvm = hyperfine_ms(os.path.join(work, 'r%d-hf-jvm.json' % r))
    raw['process_jvm_version'] = jvm
    if jvm:
        m['jvm_start'] = jvm['mean']
    raw['process_ours'] = ours
    raw['process_nova'] = novap
    if ours:
        m['ours_process'] = ours['mean']
    if novap:
        m['nova_process'] = novap['mean']
    ratios = {}
    for key, _, num, den in RATIOS:
        if m.get(num) and m.get(den):
            ratios[key] = round(m[num] / m[den], 2)
    return m, ratios, raw


def spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {'median': round(statistics.median(values), 4), 'min': min(values), 'max': max(values),
            'rounds': len(values)}


def cmd_out(argv):
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=20)
        return p.stdout.strip().splitlines()[0] if p.stdout.strip() else None
    except (OSError, subprocess.SubprocessError):
        return None


def machine(java):
    cpu = None
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    mem = None
    try:
        with open('/proc/meminfo') as f:
            mem = f.readline().split(':', 1)[1].strip()
    except OSError:
        pass
    return {
        'host': socket.gethostname(),
        'cores': os.cpu_count(),
        'cpu': cpu,
        'memory': mem,
        'kernel': platform.release(),
        'java': cmd_out([java, '-version']),
        'python': sys.version.split()[0],
        'genisoimage': cmd_out(['genisoimage', '--version']),
        'hyperfine': cmd_out(['hyperfine', '--version']),
        'tmp_filesystem': cmd_out(['sh', '-c', 'df -T "${TMPDIR:-/tmp}" | tail -n 1 | tr -s " " | cut -d" " -f2']),
        'load_at_end': text('/proc/loadavg'),
    }


def fmt(v, unit_ms=True):
    if v is None:
        return '—'
    if unit_ms:
        return '%.3f' % v if v < 10 else '%.1f' % v
    return '%.1f×' % v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--work', required=True)
    ap.add_argument('--rounds', type=int, required=True)
    ap.add_argument('--doc', required=True)
    ap.add_argument('--drives', type=int, required=True)
    ap.add_argument('--process-kind', required=True)
    ap.add_argument('--java', required=True)
    ap.add_argument('--smoke', default='0')
    ap.add_argument('--out', required=True)
    a = ap.parse_args()

    rounds = [one_round(a.work, r) for r in range(1, a.rounds + 1)]
    with open(os.path.join(a.work, 'tree.list')) as f:
        tree_files = sum(1 for _ in f)

    process_label = {'cli': 'our CLI process: ./guestdata configdrive --format iso9660',
                     'standin': 'our process: java … WriteConfigDrive (CLI has no iso9660 yet)'}[a.process_kind]
    rows = [('nova_path', 'Nova path per drive (warm process)'),
            ('nova_path_before', '  N/2 drives before our headline JMH'),
            ('nova_path_after', '  N/2 drives after it'),
            ('nova_metadata', '  of which InstanceMetadata + ConfigDriveBuilder'),
            ('bare_genisoimage', 'bare genisoimage on our tree (process)'),
            ('nova_process', 'Nova one-drive process (nova_oracle.py iso)')] + \
        [(key, label) for _, key, label in JMH] + \
        [('ours_process', process_label),
         ('jvm_start', '  JVM start alone (java -version, same flags)')]

    for m, _, _ in rounds:
        m['nova_path_before'], m['nova_path_after'] = m['nova_path_before_after']
    summary = {key: spread([m.get(key) for m, _, _ in rounds]) for key, _ in rows}
    ratio_summary = {key: spread([rt.get(key) for _, rt, _ in rounds]) for key, _, _, _ in RATIOS}

    sizes = {}
    for key, name in (('ours', 'ours.iso'), ('nova', 'nova.iso')):
        try:
            sizes[key] = os.path.getsize(os.path.join(a.work, name))
        except OSError:
            sizes[key] = None
    now = datetime.datetime.now().astimezone()
    mach = machine(a.java)
    w = max(len(label) for _, label in rows + [(None, l) for _, l, _, _ in RATIOS]) + 2
    head = ''.join('%10s' % ('round %d' % i) for i in range(1, a.rounds + 1)) + '%10s  %s' % ('median', 'min..max')
    lines = []
    lines.append('Config drive benchmark %s — %s, %s cores (%s), tmp on %s' % (
        now.strftime('%Y-%m-%d %H:%M %Z'), mach['host'], mach['cores'], mach['cpu'], mach['tmp_filesystem']))
    lines.append('document %s (%d files in the drive), Nova N=%d drives per round, %d rounds%s' % (
        a.doc, tree_files, a.drives, a.rounds, ' — SMOKE RUN, NOT A MEASUREMENT' if a.smoke == '1' else ''))
    if sizes['ours'] and sizes['nova']:
        lines.append('ISO size: ours %d KiB, Nova (genisoimage) %d KiB' % (sizes['ours'] // 1024, sizes['nova'] // 1024))
    lines.append('')
    lines.append('per drive, ms'.ljust(w) + head)
    for key, label in rows:
        vals = [m.get(key) for m, _, _ in rounds]
        s = summary[key]
        lines.append(label.ljust(w) + ''.join('%10s' % fmt(v) for v in vals) + '%10s  %s' % (
            fmt(s and s['median']), '%s..%s' % (fmt(s['min']), fmt(s['max'])) if s else ''))
    loads = []
    for _, _, raw in rounds:
        l = raw['load_before_step'].get('jmh-headline')
        loads.append(l.split()[0] if l else '—')
    lines.append('load average (1 min) before headline JMH'.ljust(w) + ''.join('%10s' % l for l in loads))
    lines.append('')
    lines.append('ratios (within each round)'.ljust(w) + head)
    for key, label, _, _ in RATIOS:
        vals = [rt.get(key) for _, rt, _ in rounds]
        s = ratio_summary[key]
        lines.append(label.ljust(w) + ''.join('%10s' % fmt(v, False) for v in vals) + '%10s  %s' % (
            fmt(s and s['median'], False), '%s..%s' % (fmt(s['min'], False), fmt(s['max'], False)) if s else ''))
    lines.append('')
    target = {}
    for key in ('nova_over_ours_inprocess', 'nova_over_ours_inprocess_nosync'):
        s = ratio_summary.get(key)
        if s:
            target[key] = {'median': s['median'], 'worst_round': s['min'],
                           'met_by_median': s['median'] >= TARGET, 'met_in_every_round': s['min'] >= TARGET}
    for key, what in (('nova_over_ours_inprocess', 'as Iso9660Writer.write writes (fsync+rename)'),
                      ('nova_over_ours_inprocess_nosync', 'written as genisoimage writes (no fsync)')):
        t = target.get(key)
        if t:
            lines.append('%.0f× target, %s: %s (median %.1f×, worst round %.1f×)' % (
                TARGET, what, 'MET' if t['met_in_every_round'] else (
                    'met by the median only' if t['met_by_median'] else 'NOT met'), t['median'], t['worst_round']))
    report = '\n'.join(lines)
    print(report)

    result = {
        'date': now.isoformat(timespec='seconds'),
        'smoke': a.smoke == '1',
        'machine': mach,
        'document': a.doc,
        'drive_files': tree_files,
        'iso_bytes': sizes,
        'nova_drives_per_round': a.drives,
        'rounds': a.rounds,
        'our_process': a.process_kind,
        'unit': 'ms per drive',
        'summary': summary,
        'ratios': ratio_summary,
        'target': {'ratio': TARGET, **target},
        'per_round': [{'round': i + 1, 'ms': m, 'ratios': rt, 'raw': raw}
                      for i, (m, rt, raw) in enumerate(rounds)],
        'table': report,
    }
    with open(a.out, 'w') as f:
        json.dump(result, f, indent=2, ensure_ascii=False)
        f.write('\n')


if __name__ == '__main__':
    main()
