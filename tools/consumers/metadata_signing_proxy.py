"""A stand-in for Neutron's metadata proxy, for the cloud-init HTTP harnesses.

Forwards every request to the metadata service unchanged, adding the headers Neutron's metadata agent
adds (nova-compat.md §2.3a): X-Instance-ID, X-Instance-ID-Signature = hex(HMAC-SHA256(secret, id)),
X-Tenant-ID, and X-Forwarded-For (the guest's address, as HAProxy's "option forwardfor" appends it).
The answer goes back unchanged. Runs in a thread of the harness; listens on 127.0.0.1, any port.
"""
import hashlib
import hmac
import http.client
import http.server
import threading
import urllib.parse


def start(target_base, instance_id, secret, tenant_id, forwarded_for="127.0.0.1"):
    """Returns (base_url, stop) of a running proxy to target_base."""
    target = urllib.parse.urlsplit(target_base)
    signature = hmac.new(secret.encode("utf-8"), instance_id.encode("utf-8"), hashlib.sha256).hexdigest()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            headers.update({
                "X-Instance-ID": instance_id,
                "X-Instance-ID-Signature": signature,
                "X-Tenant-ID": tenant_id,
                "X-Forwarded-For": forwarded_for,
            })
            conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            try:
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("connection", "transfer-encoding", "content-length", "date"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
            finally:
                conn.close()

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _forward

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return "http://127.0.0.1:%d" % server.server_address[1], server.shutdown
