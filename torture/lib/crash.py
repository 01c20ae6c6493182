"""Experiment 1: SIGKILL `strata up` / `strata down` at a random moment, then check the invariant,
repair dirty rows as the README says, and require the next `strata up` to complete."""
import os
import time

from . import migrations as M
from .common import Result, tail
from .runner import kill9, elapsed, output_of

COUNT = 50


def _fresh(ctx, old_db):
    if old_db:
        ctx.server.drop_db(old_db)
    return ctx.server.create_db("crash")


def _recover(ctx, res, db, directory, verdict, where):
    """Repairs each dirty row (fixing the schema by hand first, resolution chosen at random), then `strata up`."""
    ok = True
    for m, direction, _ in verdict.dirty:
        resolution = ctx.rng.choice(["applied", "pending"])
        M.fix_by_hand(ctx.server, db, m, direction, resolution)
        rc, out = ctx.strata.run(db, directory, "repair", m.version, "--as", resolution)
        if rc != 0:
            res.failure(where, f"strata repair {m.version} --as {resolution} exited {rc}: {tail(out)}")
            ok = False
    rc, out = ctx.strata.run(db, directory, "up")
    if rc != 0:
        res.failure(where, f"the next strata up exited {rc}: {tail(out)}")
        return False
    return ok


def _all_applied(ctx, res, db, migs, where):
    v = M.check(ctx.server, db, migs)
    rows = M.read_state(ctx.server, db)[0]
    applied = sum(1 for r in rows.values() if r[0] == "applied")
    if not v.ok:
        res.inconsistency(where + " after recovery", v.problems)
        return False
    if applied != len(migs):
        res.failure(where, f"after recovery {applied} of {len(migs)} migrations are applied")
        return False
    return True


def run(ctx, iterations, layout="strata"):
    title = "1. crash injection (SIGKILL during up/down)"
    res = Result(title if layout == "strata" else f"{title}, {layout} layout")
    t_start = time.monotonic()
    directory = ctx.dir("crash" if layout == "strata" else f"crash-{layout}")
    migs = M.generate(ctx.rng, COUNT, notx_ratio=0.35, sleep_ms=40)
    M.write(migs, directory, layout)
    notx = sum(m.notx for m in migs)
    db = _fresh(ctx, None)

    # Calibration: how long a whole run takes, so that kill moments spread over it.
    t0 = time.monotonic()
    rc, out = ctx.strata.run(db, directory, "up")
    t_up = elapsed(t0)
    if rc != 0:
        res.failure("calibration", f"strata up exited {rc}: {tail(out)}")
        return res
    t0 = time.monotonic()
    rc, out = ctx.strata.run(db, directory, "up")
    t_noop = elapsed(t0)
    t0 = time.monotonic()
    rc, out = ctx.strata.run(db, directory, "down", "--to", "0")
    t_down = elapsed(t0)
    if rc != 0:
        res.failure("calibration", f"strata down --to 0 exited {rc}: {tail(out)}")
        return res
    ctx.strata.run(db, directory, "up")
    ctx.log(f"crash: {COUNT} migrations ({notx} no-transaction); full up {t_up:.2f}s, no-op {t_noop:.2f}s, full down {t_down:.2f}s")

    stats = {"killed": 0, "finished": 0, "dirty": 0, "inflight_done": 0, "fresh": 0}
    for i in range(1, iterations + 1):
        where = f"iteration {i}"
        fresh = i % 10 == 0  # every tenth kill hits the very first run on an empty database
        if fresh:
            db = _fresh(ctx, db)
            stats["fresh"] += 1
            cmd, span, what = ("up",), t_up, "first up"
        elif i % 2 == 1:
            target = ctx.rng.randint(0, COUNT - 1)
            rc, out = ctx.strata.run(db, directory, "down", "--to", str(target))
            if rc != 0:
                res.failure(where, f"preparing: strata down --to {target} exited {rc}: {tail(out)}")
                db = _fresh(ctx, db)
                ctx.strata.run(db, directory, "up")
                continue
            cmd, span, what = ("up",), t_noop + (t_up - t_noop) * (COUNT - target) / COUNT, f"up from {target}"
        else:
            target = ctx.rng.choice([0, 0, ctx.rng.randint(0, COUNT - 1)])
            cmd, span, what = ("down", "--to", str(target)), t_noop + (t_down - t_noop) * (COUNT - target) / COUNT, f"down to {target}"
        delay = ctx.rng.uniform(0.0, span * 1.05)
        p = ctx.strata.start(db, directory, *cmd, log=os.path.join(directory, "..", "crash-run.log"))
        time.sleep(delay)
        if p.poll() is None:
            kill9(p)
            stats["killed"] += 1
            outcome = f"killed after {delay * 1000:.0f}ms"
        else:
            stats["finished"] += 1
            outcome = f"finished before the kill (exit {p.returncode})"
            if p.returncode != 0:
                res.failure(where, f"{what}: strata exited {p.returncode} without being killed")
        res.iterations += 1
        if not ctx.server.wait_idle(db):
            res.failure(where, "the killed runner's backends were still connected after 90s")
        v = M.check(ctx.server, db, migs)
        stats["dirty"] += len(v.dirty)
        stats["inflight_done"] += v.inflight_done
        ctx.debug(f"crash {i}: {what}, {outcome}; dirty {[(m.version, d, k) for m, d, k in v.dirty]}, problems {v.problems}")
        if not v.ok:
            res.inconsistency(f"{where} ({what}, {outcome})", v.problems)
        locks = ctx.server.advisory_locks(db)
        if locks:
            res.failure(where, f"{locks} advisory lock(s) still held after the runner died")
        if not (_recover(ctx, res, db, directory, v, where) and _all_applied(ctx, res, db, migs, where)):
            db = _fresh(ctx, db)  # start the next iteration from a known state
            ctx.strata.run(db, directory, "up")
        if i % 20 == 0:
            ctx.log(f"crash: {i}/{iterations} iterations, {res.inconsistent} inconsistent, {res.failures} failures")
    ctx.server.drop_db(db)
    res.notes.append(f"{stats['killed']} killed mid-run, {stats['finished']} finished first; {stats['fresh']} on a fresh database; "
                     f"{stats['dirty']} dirty rows (in-flight statement had taken effect in {stats['inflight_done']})")
    res.seconds = time.monotonic() - t_start
    return res


def history_window(ctx):
    """The kill point between the two CREATE TABLE statements of a first run, which a random kill almost never
    hits, reached on purpose: a psql session creates `strata_events` in an open transaction, so the runner's own
    CREATE TABLE of it waits; the runner is then killed and its backend terminated, and psql rolls back. Both
    history tables must exist or neither, and the next `strata up` must complete."""
    res = Result("1b. crash point: between the two history tables")
    t_start = time.monotonic()
    directory = ctx.dir("window")
    migs = M.generate(ctx.rng, 5, notx_ratio=0.4)
    M.write(migs, directory)
    db = ctx.server.create_db("window")
    res.iterations = 1
    holder = ctx.server.session(db)
    holder.stdin.write("BEGIN;\nCREATE TABLE strata_events (id int);\nSELECT 'held';\n")
    holder.stdin.flush()
    holder.stdout.readline()
    p = ctx.strata.start(db, directory, "up", log=os.path.join(directory, "..", "window-run.log"))
    waiting = None
    end = time.monotonic() + 20
    while waiting is None and time.monotonic() < end and p.poll() is None:
        waiting = ctx.server.value(db, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                       "AND wait_event_type = 'Lock' AND query ILIKE '%strata_events%' LIMIT 1")
        time.sleep(0.02)
    if waiting is None:
        res.failure("setup", f"the runner never waited on strata_events: {tail(output_of(p))}")
    kill9(p)
    ctx.server.psql(db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                        f"AND application_name <> 'torture-session' AND pid <> pg_backend_pid()")
    holder.stdin.write("ROLLBACK;\n\\q\n")
    holder.stdin.flush()
    holder.wait(timeout=30)
    ctx.server.wait_idle(db)
    if waiting is not None:
        v = M.check(ctx.server, db, migs)
        if not v.ok:
            res.inconsistency("killed between the history tables", v.problems)
        rc, out = ctx.strata.run(db, directory, "up")
        if rc != 0:
            res.failure("after the kill", f"strata up exited {rc}: {tail(out, 3)}")
        else:
            applied = sum(1 for r in M.read_state(ctx.server, db)[0].values() if r[0] == "applied")
            if applied != len(migs):
                res.failure("after the kill", f"{applied} of {len(migs)} applied")
    ctx.server.drop_db(db)
    res.seconds = time.monotonic() - t_start
    return res
