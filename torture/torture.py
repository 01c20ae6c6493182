#!/usr/bin/env python3
"""Strata's torture suite (see torture/README.md). Called by torture/run.sh."""
import argparse
import os
import random
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lib import concurrency, crash, faults  # noqa: E402
from lib import migrations as M  # noqa: E402
from lib.common import Context  # noqa: E402
from lib.pg import Server  # noqa: E402
from lib.runner import Strata  # noqa: E402

EXPERIMENTS = ("crash", "window", "concurrency", "loss", "holder")
MODES = {
    # crash iterations, concurrency rounds, runners per round, lock-holder kills per kind, kinds
    "short": dict(iterations=20, rounds=4, runners=16, holder=1, holder_kinds=(False,)),
    "full": dict(iterations=200, rounds=20, runners=16, holder=5, holder_kinds=(False, True)),
}


def main():
    ap = argparse.ArgumentParser(prog="torture/run.sh", description="Strata torture suite")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--short", dest="mode", action="store_const", const="short", help="the CI size (default)")
    g.add_argument("--full", dest="mode", action="store_const", const="full", help="the full size")
    ap.add_argument("--iterations", type=int, help="crash-injection iterations")
    ap.add_argument("--rounds", type=int, help="concurrency rounds")
    ap.add_argument("--runners", type=int, help="concurrent runners per round")
    ap.add_argument("--holder-kills", type=int, help="lock-holder kills per kind")
    ap.add_argument("--only", action="append", choices=EXPERIMENTS, help="run only these experiments (repeatable)")
    ap.add_argument("--skip", action="append", choices=EXPERIMENTS, default=[], help="skip these experiments (repeatable)")
    ap.add_argument("--seed", type=int, help="random seed (printed; default: from the clock)")
    ap.add_argument("--out", help="report file (default: torture/results-<mode>.md)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (generated migrations, runner logs)")
    ap.add_argument("--layout", action="append", choices=M.LAYOUTS,
                    help="migration layouts for crash injection (repeatable; default strata): other tools' folders read as they are")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    mode = a.mode or "short"
    cfg = dict(MODES[mode])
    for k, v in (("iterations", a.iterations), ("rounds", a.rounds), ("runners", a.runners), ("holder", a.holder_kills)):
        if v is not None:
            cfg[k] = v
    chosen = [e for e in EXPERIMENTS if (not a.only or e in a.only) and e not in a.skip]
    seed = a.seed if a.seed is not None else int(time.time()) % 1_000_000

    binary = os.path.abspath(os.environ.get("STRATA_BIN") or ".build/debug/strata")
    if not os.access(binary, os.X_OK):
        sys.exit(f"torture: strata binary not found at {binary} (build it, or set STRATA_BIN)")
    server = Server()
    if not server.wait_ready(10):
        sys.exit(f"torture: PostgreSQL at {server.host}:{server.port} does not answer")
    workdir = tempfile.mkdtemp(prefix="strata-torture.")
    ctx = Context(server, Strata(binary, server), random.Random(seed), workdir, a.verbose)
    ctx.log(f"mode {mode}, seed {seed}, experiments {', '.join(chosen)}, binary {binary}, work dir {workdir}")

    t0 = time.monotonic()
    results = []
    try:
        if "crash" in chosen:
            for layout in a.layout or ["strata"]:
                results.append(crash.run(ctx, cfg["iterations"], layout))
        if "window" in chosen:
            results.append(crash.history_window(ctx))
        if "concurrency" in chosen:
            results.append(concurrency.run(ctx, cfg["rounds"], cfg["runners"]))
        if "loss" in chosen:
            for how in ("terminate", "restart"):
                for notx in (False, True):
                    results.append(faults.connection_loss(ctx, how, notx))
        if "holder" in chosen:
            for notx in cfg["holder_kinds"]:
                results.append(faults.lock_holder_dies(ctx, notx, cfg["holder"]))
    finally:
        if a.keep:
            ctx.log(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    total = time.monotonic() - t0

    report = render(results, mode, seed, total, binary)
    print(report)
    out = a.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), f"results-{mode}.md")
    with open(out, "w") as f:
        f.write(report)
    ctx.log(f"report written to {out}")
    bad = sum(r.inconsistent + r.failures for r in results)
    sys.exit(1 if bad else 0)


def render(results, mode, seed, total, binary):
    shown = os.path.relpath(binary) if binary.startswith(os.getcwd() + os.sep) else binary
    lines = [f"# Strata torture suite: {mode}", "",
             f"Seed {seed}; {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; total {total:.0f}s; binary `{shown}`.", "",
             "| experiment | iterations | inconsistent states | failures | seconds | notes |",
             "|---|---:|---:|---:|---:|---|"]
    for r in results:
        notes = "; ".join(r.notes).replace("|", "\\|")
        lines.append(f"| {r.experiment} | {r.iterations} | {r.inconsistent} | {r.failures} | {r.seconds:.0f} | {notes} |")
    bad = sum(r.inconsistent + r.failures for r in results)
    lines += ["", f"**{'PASS' if not bad else 'FAIL'}**: {sum(r.inconsistent for r in results)} inconsistent states, "
                  f"{sum(r.failures for r in results)} failures."]
    details = [d for r in results for d in r.details]
    if details:
        lines += ["", "## Details", ""] + [f"- {d}" for d in details[:200]]
        if len(details) > 200:
            lines.append(f"- … and {len(details) - 200} more")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
