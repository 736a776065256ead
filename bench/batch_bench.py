#!/usr/bin/python3
"""Helpers of bench/run-batch-bench (see there and docs/benchmarks.md).

  batch_bench.py documents SAMPLE N DIR NDJSON   N documents made from SAMPLE, distinct uuids and names,
                                                 as DIR/NNNNNN.json and as lines of NDJSON
  batch_bench.py run [--stdin FILE] [--load-before L] NAME WORK -- COMMAND...
                                                 runs COMMAND once, timed from start to exit (wall clock);
                                                 writes WORK/NAME.json: seconds, exit code, its stdout's
                                                 JSON (the batch summary, or the oracle's figures)
  batch_bench.py genisoimage TREES N             genisoimage with Nova's exact arguments on each of the N
                                                 trees TREES/<uuid>/ (one process each, as make_drive runs
                                                 it), one untimed warm-up first; prints JSON
  batch_bench.py report --work W ...             the table and bench/results/batch-<date>.json

Runs under /usr/bin/python3: genisoimage's arguments come from Nova's own code (nova_oracle.py).
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def cmd_documents(args):
    with open(args.sample, 'rb') as f:
        sample = json.load(f)
    os.makedirs(args.dir, exist_ok=True)
    with open(args.ndjson, 'w', encoding='utf-8') as lines:
        for i in range(args.n):
            doc = dict(sample)
            doc['uuid'] = str(uuid.uuid5(uuid.NAMESPACE_URL, 'guestdata-batch-bench/%d' % i))
            doc['name'] = '%s-%06d' % (sample.get('name', 'vm'), i)
            text = json.dumps(doc, ensure_ascii=False)
            with open(os.path.join(args.dir, '%06d.json' % i), 'w', encoding='utf-8') as f:
                f.write(text)
            lines.write(text + '\n')


def cmd_run(args):
    command = args.command[1:] if args.command and args.command[0] == '--' else args.command
    stdin = open(args.stdin, 'rb') if args.stdin else subprocess.DEVNULL
    try:
        with open(os.path.join(args.work, args.name + '.out'), 'wb') as out, \
                open(os.path.join(args.work, args.name + '.err'), 'wb') as err:
            t0 = time.perf_counter()
            proc = subprocess.run(command, stdin=stdin, stdout=out, stderr=err)
            seconds = time.perf_counter() - t0
    finally:
        if args.stdin:
            stdin.close()
    with open(os.path.join(args.work, args.name + '.out'), 'rb') as f:
        text = f.read().decode('utf-8', 'replace')
    try:
        output = json.loads(text)
    except ValueError:
        output = None
    result = {'seconds': round(seconds, 6), 'exit': proc.returncode, 'output': output,
              'load_before': args.load_before}
    if output and 'documents' in output:    # a batch summary: keep the counts, not 1,000 entries
        result['output'] = {k: v for k, v in output.items() if k != 'documents'}
    with open(os.path.join(args.work, args.name + '.json'), 'w') as f:
        json.dump(result, f)
    if proc.returncode != 0:
        with open(os.path.join(args.work, args.name + '.err'), 'rb') as f:
            sys.stderr.write(f.read().decode('utf-8', 'replace')[-4000:])
        sys.exit('batch_bench.py run %s: exit %d' % (args.name, proc.returncode))


def cmd_genisoimage(args):
    sys.path.insert(0, os.path.join(ROOT, 'tools', 'nova-oracle'))
    import nova_oracle
    nova_oracle.Nova.boot()
    trees = sorted(os.path.join(args.trees, d) for d in os.listdir(args.trees))
    if len(trees) != args.n:
        sys.exit('batch_bench.py genisoimage: %d trees in %s, expected %d' % (len(trees), args.trees, args.n))
    workdir = tempfile.mkdtemp(prefix='batch-bench-geniso-')
    out = os.path.join(workdir, 'disk.config')
    total = 0.0
    try:
        for i, tree in enumerate([trees[0]] + trees):    # the first run is an untimed warm-up
            argv = nova_oracle.nova_mkisofs_argv(out, tree)
            t0 = time.perf_counter()
            proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            dt = time.perf_counter() - t0
            if proc.returncode != 0:
                sys.exit('genisoimage failed (exit %d): %s' % (proc.returncode, proc.stderr.decode('utf-8', 'replace')))
            os.unlink(out)
            if i > 0:
                total += dt
    finally:
        os.rmdir(workdir)
    print(json.dumps({'runs': args.n, 'seconds': round(total, 6), 'warmup_runs': 1,
                      'argv': argv[:2] + ['<out>'] + argv[3:-1] + ['<tree>']}))


def load(work, name):
    path = os.path.join(work, name + '.json')
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def rate(n, seconds):
    return n / seconds if seconds else None


def cmd_report(args):
    sys.path.insert(0, HERE)
    from drive_bench_report import machine
    n = args.drives
    rows = []      # (label, drives/s, seconds, note)
    ours = {}
    for fmt in ('iso9660', 'vfat'):
        runs = [r for r in (load(args.work, 'ours-%s-%s' % (fmt, p)) for p in 'ab') if r]
        for r in runs:
            written = r['output']['counts']['written']
            if written != n:
                sys.exit('report: a %s batch wrote %d drives, not %d' % (fmt, written, n))
        per_s = [rate(n, r['seconds']) for r in runs]
        ours[fmt] = sum(per_s) / len(per_s)
        rows.append(('guestdata batch --format %s (whole process, JVM start incl.)' % fmt, ours[fmt],
                     ' / '.join('%.0f' % v for v in per_s), 'runs before and after the peers'))
    stdin = load(args.work, 'ours-iso9660-stdin')
    if stdin:
        rows.append(('guestdata batch --format iso9660 --input - (NDJSON on stdin)', rate(n, stdin['seconds']),
                     '', ''))
    tree = load(args.work, 'ours-tree')
    rows.append(('guestdata batch --format tree (the trees for genisoimage)', rate(n, tree['seconds']), '', ''))
    nova = load(args.work, 'nova')
    nova_warm = rate(n, nova['output']['seconds'])
    nova_whole = rate(n, nova['seconds'])
    rows.append(("Nova path, drives only (warm process: InstanceMetadata + make_drive)", nova_warm, '', ''))
    rows.append(("Nova path, whole process (Python start and Nova import incl.)", nova_whole, '', ''))
    with open(os.path.join(args.work, 'geniso.json')) as f:
        geniso = json.load(f)
    geniso_rate = rate(n, geniso['seconds'])
    rows.append(('bare genisoimage on N prepared trees (one process each)', geniso_rate, '', ''))
    ratios = [
        ('batch iso9660 ÷ Nova path (drives only, warm)', ours['iso9660'] / nova_warm),
        ('batch iso9660 ÷ Nova path (whole process)', ours['iso9660'] / nova_whole),
        ('batch iso9660 ÷ bare genisoimage', ours['iso9660'] / geniso_rate),
        ('batch vfat ÷ Nova path (drives only, warm)', ours['vfat'] / nova_warm),
    ]
    now = datetime.datetime.now(datetime.timezone.utc)
    lines = ['Batch benchmark %s — %d cores, %d drives per run, --jobs %s, document %s'
             % (now.strftime('%Y-%m-%d %H:%M UTC'), os.cpu_count(), n, args.jobs, os.path.relpath(args.doc, ROOT)),
             '',
             '%-78s %10s  %s' % ('drives per second', 'mean', 'runs')]
    for label, value, runs, _ in rows:
        lines.append('%-78s %10.1f  %s' % (label, value, runs))
    lines += ['', '%-78s %10s' % ('ratios', '')]
    for label, value in ratios:
        lines.append('%-78s %9.1f×' % (label, value))
    text = '\n'.join(lines)
    print(text)
    if args.smoke != '1':
        result = {
            'date': now.isoformat(timespec='seconds'),
            'drives': n, 'jobs': args.jobs, 'document': os.path.relpath(args.doc, ROOT),
            'drives_per_second': {label: round(value, 2) for label, value, _, _ in rows},
            'ratios': {label: round(value, 2) for label, value in ratios},
            'raw': {name: load(args.work, name) for name in ('ours-iso9660-a', 'ours-vfat-a', 'ours-iso9660-b',
                                                              'ours-vfat-b', 'ours-iso9660-stdin', 'ours-tree',
                                                              'nova')},
            'genisoimage': geniso,
            'machine': machine(args.java),
            'table': text,
        }
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2, ensure_ascii=False)
            f.write('\n')


def main():
    ap = argparse.ArgumentParser(prog='batch_bench.py')
    sub = ap.add_subparsers(dest='cmd', required=True)
    sp = sub.add_parser('documents')
    sp.add_argument('sample')
    sp.add_argument('n', type=int)
    sp.add_argument('dir')
    sp.add_argument('ndjson')
    sp.set_defaults(func=cmd_documents)
    sp = sub.add_parser('run')
    sp.add_argument('name')
    sp.add_argument('work')
    sp.add_argument('--stdin')
    sp.add_argument('--load-before')
    sp.add_argument('command', nargs=argparse.REMAINDER)
    sp.set_defaults(func=cmd_run)
    sp = sub.add_parser('genisoimage')
    sp.add_argument('trees')
    sp.add_argument('n', type=int)
    sp.set_defaults(func=cmd_genisoimage)
    sp = sub.add_parser('report')
    for a in ('--work', '--doc', '--jobs', '--java', '--smoke', '--out'):
        sp.add_argument(a, required=True)
    sp.add_argument('--drives', type=int, required=True)
    sp.set_defaults(func=cmd_report)
    args = ap.parse_args()
    args.func(args)


if __name__ == '__main__':
    main()
