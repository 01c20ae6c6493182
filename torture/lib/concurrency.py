"""Experiment 2: many runners at once over 100 migrations (CREATE INDEX CONCURRENTLY in the no-transaction
ones): every migration applied exactly once, no deadlock, and no runner fails except the ones configured
with a lock wait too short to get the lock (exit 4)."""
import os
import time

from . import migrations as M
from .common import Result, tail
from .runner import wait_exit, output_of

COUNT = 100
SHORT_WAIT = "300ms"
LONG_WAIT = "180s"
ROUND_TIMEOUT = 240


def run(ctx, rounds, runners):
    res = Result(f"2. concurrency ({runners} runners at once)")
    t_start = time.monotonic()
    directory = ctx.dir("concurrency")
    migs = M.generate(ctx.rng, COUNT, notx_ratio=0.3, sleep_ms=5, index_ratio=0.5)
    M.write(migs, directory)
    cic = sum(1 for m in migs if m.notx for o in m.objects if o.kind == "index")
    short_total = exit4 = 0
    appliers = []
    for r in range(1, rounds + 1):
        where = f"round {r}"
        db = ctx.server.create_db("conc")
        plans = []
        for k in range(runners):
            short = k < max(1, runners // 8)            # these may hit their lock wait: exit 0 or 4
            to = None if k == runners - 1 or ctx.rng.random() < 0.3 else migs[ctx.rng.randrange(COUNT)].version
            args = ["up", "--lock-wait", SHORT_WAIT if short else LONG_WAIT] + (["--to", to] if to else [])
            plans.append((short, args))
        procs = [ctx.strata.start(db, directory, *args, log=os.path.join(directory, "..", f"conc-{k}.log"))
                 for k, (_, args) in enumerate(plans)]
        deadline = time.monotonic() + ROUND_TIMEOUT
        for k, ((short, args), p) in enumerate(zip(plans, procs)):
            rc = wait_exit(p, max(1, deadline - time.monotonic()))
            out = output_of(p)
            if rc is None:
                res.failure(where, f"runner {k} ({' '.join(args)}) still running after {ROUND_TIMEOUT}s (deadlock?); killed")
            elif short and rc == 4:
                exit4 += 1
            elif rc != 0:
                res.failure(where, f"runner {k} ({' '.join(args)}) exited {rc}: {tail(out, 4)}")
            short_total += short
        res.iterations += 1
        if not ctx.server.wait_idle(db, timeout=30):
            res.failure(where, "backends still connected after every runner exited")
        v = M.check(ctx.server, db, migs)
        if not v.ok:
            res.inconsistency(where, v.problems)
        rows = M.read_state(ctx.server, db)[0]
        applied = sum(1 for x in rows.values() if x[0] == "applied")
        if applied != COUNT:
            res.failure(where, f"{applied} of {COUNT} migrations applied after the round")
        events = ctx.server.psql(db, "SELECT version, count(*) FILTER (WHERE direction = 'up' AND outcome = 'ok'), count(*) "
                                     "FROM strata_events GROUP BY version")
        ev = {e[0]: (int(e[1]), int(e[2])) for e in events}
        twice = [v_ for v_, (ok, _) in ev.items() if ok > 1]
        other = [v_ for v_, (ok, n) in ev.items() if n != ok]
        missing = [m.version for m in migs if ev.get(m.version, (0, 0))[0] == 0]
        if twice or other or missing:
            res.inconsistency(where, [f"events: applied more than once {twice[:5]}, failed/other events {other[:5]}, "
                                      f"no ok event {missing[:5]}"])
        appliers.append(int(ctx.server.value(db, "SELECT count(DISTINCT run_id) FROM strata_events")))
        deadlocks = ctx.server.value(db, "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        if deadlocks != "0":
            res.failure(where, f"pg_stat_database.deadlocks = {deadlocks}")
        if ctx.server.advisory_locks(db):
            res.failure(where, "advisory lock still held after the round")
        ctx.debug(f"concurrency round {r}: {applied} applied, exits {[p.returncode for p in procs]}")
        ctx.server.drop_db(db)
    res.notes.append(f"{COUNT} migrations ({sum(m.notx for m in migs)} no-transaction, {cic} CREATE INDEX CONCURRENTLY); "
                     f"runners with `--to` at random; {short_total} runners with --lock-wait {SHORT_WAIT}, {exit4} of them exited 4; "
                     f"{min(appliers, default=0)}–{max(appliers, default=0)} runners applied migrations in each round")
    res.seconds = time.monotonic() - t_start
    return res
