"""A throw-away self-signed certificate for the HTTPS gateway, made with the
openssl CLI in a fresh temporary directory (valid for 127.0.0.1 and localhost)."""

import os
import shutil
import ssl
import subprocess
import tempfile


class SelfSignedCert:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="scaleio-emu-tls-")
        self.cert = os.path.join(self.dir, "cert.pem")
        self.key = os.path.join(self.dir, "key.pem")
        cmd = ["openssl", "req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
               "-keyout", self.key, "-out", self.cert, "-days", "7", "-subj", "/O=rexray tests/CN=127.0.0.1",
               "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            self.remove()
            raise RuntimeError("openssl req failed (%d): %s" % (p.returncode, p.stderr.strip()))

    def server_context(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, self.key)
        return ctx

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)
