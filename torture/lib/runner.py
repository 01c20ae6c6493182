"""Running the strata binary under test."""
import os
import signal
import subprocess
import time


class Strata:
    def __init__(self, binary, server):
        self.binary = binary
        self.server = server

    def _env(self):
        # Only the command line chooses the database: drop anything the caller's environment would add.
        drop = ("PG", "DATABASE_", "DB_", "STRATA_ENV")
        e = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
        e["NO_COLOR"] = "1"
        return e

    def argv(self, db, directory, *args):
        return [self.binary, *args, "--dir", directory, "-d", self.server.url_for(db), "--no-color"]

    def run(self, db, directory, *args, timeout=300):
        """Runs to completion: (exit code, stdout + stderr)."""
        p = subprocess.run(self.argv(db, directory, *args), capture_output=True, text=True, env=self._env(),
                           timeout=timeout, cwd=directory)
        return p.returncode, p.stdout + p.stderr

    def start(self, db, directory, *args, log=None):
        """Starts in the background; output goes to `log` (a path) or is discarded."""
        out = open(log, "w") if log else subprocess.DEVNULL
        p = subprocess.Popen(self.argv(db, directory, *args), stdout=out, stderr=subprocess.STDOUT, env=self._env(),
                             cwd=directory, start_new_session=True)
        p.log_path = log
        if log:
            out.close()
        return p


def output_of(p):
    if not getattr(p, "log_path", None):
        return ""
    with open(p.log_path, errors="replace") as f:
        return f.read()


def kill9(p):
    """SIGKILL to the runner itself (not its group: the strata process is the whole runner)."""
    try:
        os.kill(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    p.wait()


def wait_exit(p, timeout):
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill9(p)
        return None


def elapsed(t0):
    return time.monotonic() - t0
