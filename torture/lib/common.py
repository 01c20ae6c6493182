"""Shared pieces: the context every experiment gets, and its result row."""
import os
import sys
import time


class Result:
    def __init__(self, experiment):
        self.experiment = experiment
        self.iterations = 0
        self.inconsistent = 0   # database states that break the invariant
        self.failures = 0       # anything else that did not go as promised (exit codes, messages, lock, retry)
        self.notes = []         # what the numbers do not say (short facts for the table)
        self.details = []       # one line per inconsistency or failure
        self.seconds = 0.0

    def inconsistency(self, where, problems):
        self.inconsistent += 1
        for p in problems:
            self.details.append(f"INCONSISTENT {where}: {p}")

    def failure(self, where, what):
        self.failures += 1
        self.details.append(f"FAILURE {where}: {what}")


class Context:
    def __init__(self, server, strata, rng, workdir, verbose):
        self.server, self.strata, self.rng, self.workdir, self.verbose = server, strata, rng, workdir, verbose
        self.t0 = time.monotonic()

    def log(self, msg):
        print(f"[torture {time.monotonic() - self.t0:7.1f}s] {msg}", file=sys.stderr, flush=True)

    def debug(self, msg):
        if self.verbose:
            self.log(msg)

    def dir(self, name):
        d = os.path.join(self.workdir, name)
        os.makedirs(d, exist_ok=True)
        return d


def tail(text, lines=6):
    t = [l for l in text.strip().splitlines() if l.strip()]
    return " | ".join(t[-lines:])


def first_error(text):
    for l in text.splitlines():
        if l.strip().lower().startswith("error"):
            return l.strip()
    return tail(text, 2)
