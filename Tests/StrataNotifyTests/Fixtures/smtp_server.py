#!/usr/bin/env python3
"""A real SMTP server for Strata's notification tests (aiosmtpd).

    smtp_server.py --dir OUT [--tls starttls|implicit|none] [--user U --password P]

Generates a self-signed certificate (CN=localhost, SAN DNS:localhost, IP:127.0.0.1) into OUT with openssl,
listens on 127.0.0.1 (a free port), requires AUTH (only after TLS) when --user is given, and writes every
message it accepts to OUT/<n>.eml plus OUT/<n>.json (envelope, the authenticated user, whether TLS was on).
Prints `READY <port> <cert.pem>` once listening; stops when stdin closes or on SIGTERM.
"""
import argparse, json, os, signal, socket, ssl, subprocess, sys, threading

try:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, SMTP
except ImportError:
    print("aiosmtpd is missing: python3 -m pip install aiosmtpd", file=sys.stderr)
    sys.exit(3)


def make_cert(out):
    cert, key = os.path.join(out, "cert.pem"), os.path.join(out, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


class Saver:
    def __init__(self, out):
        self.out, self.count, self.lock = out, 0, threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        base = os.path.join(self.out, "%03d" % n)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                "auth_user": getattr(session, "strata_user", None),
                "tls": session.ssl is not None}
        with open(base + ".json", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 OK stored as %03d" % n


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--tls", default="starttls", choices=["starttls", "implicit", "none"])
    p.add_argument("--user")
    p.add_argument("--password")
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    cert, key = make_cert(a.dir)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = a.user is not None and auth_data.login == a.user.encode() and auth_data.password == a.password.encode()
        if ok:
            session.strata_user = a.user
        return AuthResult(success=ok, handled=False)

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    free_port = probe.getsockname()[1]
    probe.close()
    kwargs = dict(hostname="127.0.0.1", port=free_port, server_hostname="localhost")
    if a.user:
        # aiosmtpd only counts STARTTLS as "TLS" for auth_require_tls; with implicit TLS the whole session is encrypted.
        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=(a.tls == "starttls"))
    if a.tls == "starttls":
        kwargs.update(tls_context=context, require_starttls=True)
    elif a.tls == "implicit":
        kwargs.update(ssl_context=context)
    controller = Controller(Saver(a.dir), **kwargs)
    controller.start()
    print("READY %d %s" % (free_port, cert), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
