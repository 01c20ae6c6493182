"""The PostgreSQL side of the torture suite: psql calls, fresh databases, the cluster restart."""
import os
import pwd
import subprocess
import time
import urllib.parse


class Server:
    """The cluster named by STRATA_TEST_PG_* (as exported by scripts/test.sh) or STRATA_PG_* (scripts/pg-cluster.sh)."""

    def __init__(self):
        def env(*names, default=None):
            for n in names:
                if os.environ.get(n):
                    return os.environ[n]
            return default

        self.url = env("STRATA_TEST_PG_URL", "STRATA_PG_URL")
        if not self.url:
            raise SystemExit("torture: STRATA_TEST_PG_URL is not set (run it from scripts/test.sh, or start a cluster with scripts/pg-cluster.sh)")
        u = urllib.parse.urlsplit(self.url)
        self.host = env("STRATA_TEST_PG_HOST", "STRATA_PG_HOST", default=u.hostname or "127.0.0.1")
        self.port = env("STRATA_TEST_PG_PORT", "STRATA_PG_PORT", default=str(u.port or 5432))
        self.user = env("STRATA_TEST_PG_USER", "STRATA_PG_USER", default=urllib.parse.unquote(u.username or "postgres"))
        self.password = env("STRATA_TEST_PG_PASSWORD", "STRATA_PG_PASSWORD", default=urllib.parse.unquote(u.password or ""))
        self.socket_dir = env("STRATA_TEST_PG_SOCKET_DIR", "STRATA_PG_SOCKET_DIR")
        bindir = env("STRATA_TEST_PG_BINDIR", "STRATA_PG_BINDIR", default="/usr/lib/postgresql/15/bin")
        self.psql_bin = env("STRATA_TEST_PSQL", "STRATA_PG_PSQL", default=os.path.join(bindir, "psql"))
        if os.path.realpath(self.psql_bin) == "/usr/bin/psql" or "/usr/share/postgresql-common" in os.path.realpath(self.psql_bin):
            raise SystemExit("torture: use the real psql (/usr/lib/postgresql/15/bin/psql), not Debian's wrapper")
        self.pg_ctl = os.path.join(bindir, "pg_ctl")
        data = env("STRATA_TEST_PG_DATA", "STRATA_PG_DATA")
        pgdir = env("STRATA_TEST_PG_DIR", "STRATA_PG_DIR")
        if not data and pgdir:
            data = os.path.join(pgdir, "data")
        self.data = data if data and os.path.isdir(data) else None
        log = env("STRATA_TEST_PG_LOG", "STRATA_PG_LOG")
        if not log and pgdir:
            log = os.path.join(pgdir, "postgres.log")
        self.log = log

    def url_for(self, db):
        """The URL strata gets: the test URL (TCP, TLS when the server offers it) with another database."""
        u = urllib.parse.urlsplit(self.url)
        return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + db, u.query, ""))

    def _env(self):
        e = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        e.update(PGPASSWORD=self.password, PGCONNECT_TIMEOUT="10", PGAPPNAME="torture-check")
        return e

    def psql(self, db, sql, check=True, timeout=60):
        """Runs `sql` in `db`; returns the rows as lists of strings (NULL as None)."""
        host = self.socket_dir or self.host
        cmd = [self.psql_bin, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-F", "\x1f", "-P", "null=\x1e",
               "-h", host, "-p", str(self.port), "-U", self.user, "-d", db, "-c", sql]
        p = subprocess.run(cmd, capture_output=True, text=True, env=self._env(), timeout=timeout)
        if p.returncode != 0:
            if check:
                raise RuntimeError(f"psql failed in {db}: {p.stderr.strip()} (SQL: {sql[:200]})")
            return None
        rows = []
        for line in p.stdout.split("\n"):
            if line == "":
                continue
            rows.append([None if c == "\x1e" else c for c in line.split("\x1f")])
        return rows

    def session(self, db):
        """An interactive psql on `db` (stdin/stdout pipes), for holding a transaction open."""
        host = self.socket_dir or self.host
        env = self._env()
        env["PGAPPNAME"] = "torture-session"
        return subprocess.Popen([self.psql_bin, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", str(self.port),
                                 "-U", self.user, "-d", db], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True, env=env)

    def value(self, db, sql):
        rows = self.psql(db, sql)
        return rows[0][0] if rows else None

    def create_db(self, prefix):
        name = f"torture_{prefix}_{os.getpid()}_{int(time.time() * 1000) % 100000000}"
        self.psql("postgres", f"CREATE DATABASE {name}")
        return name

    def drop_db(self, name):
        self.psql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", check=False)

    def wait_ready(self, timeout=60):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.psql("postgres", "SELECT 1", check=False, timeout=15) is not None:
                return True
            time.sleep(0.2)
        return False

    def wait_idle(self, db, timeout=90):
        """Waits until no backend but ours is connected to `db` (a killed runner's statement may still be running)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            n = self.value(db, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
            if n == "0":
                return True
            time.sleep(0.05)
        return False

    def advisory_locks(self, db):
        return int(self.value(db, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                  "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"))

    def lock_holder_pid(self, db):
        """The client pid in the application_name of the backend holding Strata's lock (`strata pid N run …`), or None."""
        v = self.value(db, "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                           "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
                           "(SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1")
        if v and v.startswith("strata pid "):
            try:
                return int(v.split()[2])
            except ValueError:
                return None
        return None

    def restart(self):
        """`pg_ctl restart -m fast` as the cluster owner."""
        if not self.data:
            raise RuntimeError("the cluster's data directory is unknown (set STRATA_PG_DIR or STRATA_PG_DATA)")
        cmd = [self.pg_ctl, "restart", "-D", self.data, "-m", "fast", "-w", "-t", "60"]
        if self.log:
            cmd += ["-l", self.log]
        owner = os.stat(self.data).st_uid
        if os.geteuid() == 0 and owner != 0:
            cmd = ["runuser", "-u", pwd.getpwuid(owner).pw_name, "--"] + cmd
        p = subprocess.run(cmd, capture_output=True, text=True, cwd="/", timeout=120)
        if p.returncode != 0:
            raise RuntimeError(f"pg_ctl restart failed: {p.stderr.strip()} {p.stdout.strip()}")
