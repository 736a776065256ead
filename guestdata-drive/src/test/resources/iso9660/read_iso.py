"""Reads an ISO image the way the tests check it, and prints one JSON object.

usage: read_iso.py IMAGE [EXTRACTED_DIR]

  rr, joliet        {path: {"size": n, "sha256": hex}} for every file, as pycdlib reads the
                    Rock Ridge and the Joliet hierarchy (content read through pycdlib)
  rr_dirs, joliet_dirs  sorted directory paths
  rr_error          instead of rr and rr_dirs when pycdlib cannot walk the Rock Ridge tree
  extracted         the same map for a directory tree on disk (e.g. what xorriso extracted),
                    names read as bytes and decoded as UTF-8
  volume_id, joliet_volume_id, publisher

Names are exact: JSON escapes every non-ASCII character.
"""
import hashlib
import io
import json
import os
import sys

import pycdlib


def digest(data):
    return {'size': len(data), 'sha256': hashlib.sha256(data).hexdigest()}


def walk_iso(iso, kind):
    files, dirs = {}, set()
    for dirpath, dirnames, filenames in iso.walk(**{kind + '_path': '/'}):
        base = dirpath.rstrip('/')
        for d in dirnames:
            dirs.add((base + '/' + d).lstrip('/'))
        for f in filenames:
            path = base + '/' + f
            bio = io.BytesIO()
            iso.get_file_from_iso_fp(bio, **{kind + '_path': path})
            files[path.lstrip('/')] = digest(bio.getvalue())
    return files, sorted(dirs)


def walk_disk(root):
    files = {}
    root_b = os.fsencode(root)
    for dirpath, _dirnames, filenames in os.walk(root_b):
        for f in filenames:
            full = os.path.join(dirpath, f)
            rel = os.path.relpath(full, root_b).decode('utf-8', 'surrogateescape')
            with open(full, 'rb') as fh:
                h = hashlib.sha256()
                n = 0
                while True:
                    chunk = fh.read(1 << 20)
                    if not chunk:
                        break
                    h.update(chunk)
                    n += len(chunk)
            files[rel] = {'size': n, 'sha256': h.hexdigest()}
    return files


def main():
    iso = pycdlib.PyCdlib()
    iso.open(sys.argv[1])
    out = {}
    try:
        out['rr'], out['rr_dirs'] = walk_iso(iso, 'rr')
    except pycdlib.pycdlibexception.PyCdlibException as e:
        # pycdlib 1.12 cannot follow Rock Ridge relocations (CL/PL/RE) in every tree, not even
        # in genisoimage's images; such tests read Rock Ridge through xorriso instead
        out['rr_error'] = repr(e)
    out['joliet'], out['joliet_dirs'] = walk_iso(iso, 'joliet')
    out['volume_id'] = iso.pvd.volume_identifier.decode('ascii').rstrip()
    out['publisher'] = iso.pvd.publisher_identifier.text.decode('ascii').rstrip()
    out['joliet_volume_id'] = iso.joliet_vd.volume_identifier.decode('utf-16_be').rstrip()
    iso.close()
    if len(sys.argv) > 2:
        out['extracted'] = walk_disk(sys.argv[2])
    json.dump(out, sys.stdout, ensure_ascii=True)


main()
