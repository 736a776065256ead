"""Nova 26's own disk injection (nova.virt.disk.api.inject_data_into_fs through the real
VFSGuestFS class) run against an in-memory guest, as the oracle for guestdata's injector.

The guestfs handle is replaced by a fake with libguestfs' documented semantics: mkdir_p makes
0755 root directories, write/write_append create 0644 root files (umask 022) and keep the mode and
owner of existing ones, stat fails on a missing path, aug_get reads /etc/passwd and /etc/group.

stdin (JSON): {"entries": {path: {"type": "file"|"dir", "mode": int, "uid": int, "gid": int,
               "content": base64}}, "key": str|null, "net": str|null, "metadata": {}|null,
               "admin_password": str|null, "salt": str, "files": [[path, base64], ...]}
stdout (JSON): {"changed": {path: entry}} for every path created or changed, and "status".
"""
import base64
import json
import sys
import warnings

warnings.simplefilter("ignore")

from nova.virt.disk import api  # noqa: E402
from nova.virt.disk.vfs.guestfs import VFSGuestFS  # noqa: E402


class FakeGuestfsHandle:
    def __init__(self, entries):
        self.entries = entries

    def _parent_must_be_dir(self, path):
        parent = path.rsplit("/", 1)[0] or "/"
        if parent != "/" and self.entries.get(parent, {}).get("type") != "dir":
            raise RuntimeError("%s: No such file or directory" % parent)

    def mkdir_p(self, path):
        parts = [p for p in path.split("/") if p]
        cur = ""
        for p in parts:
            cur += "/" + p
            e = self.entries.get(cur)
            if e is None:
                self.entries[cur] = {"type": "dir", "mode": 0o755, "uid": 0, "gid": 0, "content": b""}
            elif e["type"] != "dir":
                raise RuntimeError("mkdir_p: %s: Not a directory" % cur)

    def _bytes(self, content):
        return content.encode("utf-8") if isinstance(content, str) else bytes(content)

    def write(self, path, content):
        self._parent_must_be_dir(path)
        e = self.entries.setdefault(path, {"type": "file", "mode": 0o644, "uid": 0, "gid": 0, "content": b""})
        e["content"] = self._bytes(content)

    def write_append(self, path, content):
        self._parent_must_be_dir(path)
        e = self.entries.setdefault(path, {"type": "file", "mode": 0o644, "uid": 0, "gid": 0, "content": b""})
        e["content"] = e["content"] + self._bytes(content)

    def read_file(self, path):
        if path not in self.entries:
            raise RuntimeError("read_file: %s: No such file or directory" % path)
        return self.entries[path]["content"]

    def stat(self, path):
        if path not in self.entries:
            raise RuntimeError("stat: %s: No such file or directory" % path)
        return {}

    def chmod(self, mode, path):
        self.stat(path)
        self.entries[path]["mode"] = mode

    def chown(self, uid, gid, path):
        self.stat(path)
        if uid != -1:
            self.entries[path]["uid"] = uid
        if gid != -1:
            self.entries[path]["gid"] = gid

    def aug_get(self, augpath):
        # /files/etc/passwd/<user>/uid or /files/etc/group/<group>/gid
        _, _, _, table, name, field = augpath.split("/")
        data = self.entries.get("/etc/" + table, {}).get("content", b"").decode()
        for line in data.split("\n"):
            f = line.split(":")
            if f[0] == name and len(f) > 3:
                return f[2]
        raise RuntimeError("aug_get: no matching node " + augpath)


def main():
    req = json.load(sys.stdin)
    entries = {}
    for path, e in req["entries"].items():
        e = dict(e)
        e["content"] = base64.b64decode(e.get("content", ""))
        entries[path] = e
    before = {p: dict(e) for p, e in entries.items()}
    fs = object.__new__(VFSGuestFS)
    fs.handle = FakeGuestfsHandle(entries)
    api._generate_salt = lambda: req["salt"]
    files = [(p, base64.b64decode(c)) for p, c in req.get("files") or []]
    status = api.inject_data_into_fs(fs, req.get("key"), req.get("net"), req.get("metadata"),
                                     req.get("admin_password"), files)
    changed = {}
    for path, e in entries.items():
        if before.get(path) != e:
            changed[path] = {"type": e["type"], "mode": e["mode"], "uid": e["uid"], "gid": e["gid"],
                             "content": base64.b64encode(e["content"]).decode()}
    json.dump({"status": status, "changed": changed}, sys.stdout, sort_keys=True)


main()
