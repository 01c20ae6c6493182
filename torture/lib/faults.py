"""Experiments 3 and 4: the connection is cut (pg_terminate_backend, server restart) or the lock holder is
killed while migration 002 is inside a statement (a pg_sleep whose length is a database setting, so the
retry does not sleep)."""
import os
import time

from . import migrations as M
from .common import Result, tail, first_error
from .runner import kill9, wait_exit, output_of, elapsed

EXIT_WITHIN = 20  # seconds from the cut to strata's exit: a clear error is due long before
SLEEP_SQL = "SELECT pg_sleep(current_setting('torture.sleep')::float8)"


def _migrations(notx):
    """001 and 003: one table each (transactional). 002: t2_1; the sleep; t2_3 (transactional or not)."""
    out = []
    for v in (1, 2, 3):
        m = M.Migration(f"{v:03d}", f"m{v:03d}", notx and v == 2)
        a = M.table(v, 1)
        m.up = [(a.create, a)]
        if v == 2:
            b = M.table(v, 3)
            m.up += [(SLEEP_SQL, None), (b.create, b)]
        m.down = [(o.drop, o) for _, o in reversed(m.up) if o]
        out.append(m)
    return out


def _setup(ctx, tag, notx, sleep):
    directory = ctx.dir(f"{tag}-{'notx' if notx else 'tx'}")
    migs = _migrations(notx)
    M.write(migs, directory)
    db = ctx.server.create_db(tag)
    ctx.server.psql("postgres", f"ALTER DATABASE {db} SET torture.sleep = '{sleep}'")
    return directory, migs, db


def _sleeping_backend(ctx, db, p, timeout=30):
    """The pid of the backend sleeping in 002's pg_sleep, once it is there."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and p.poll() is None:
        pid = ctx.server.value(db, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                   "AND wait_event = 'PgSleep' AND pid <> pg_backend_pid() LIMIT 1")
        if pid:
            return int(pid)
        time.sleep(0.02)
    return None


def _expect_state(ctx, res, db, migs, notx, where):
    """001 applied; 002 not recorded (transactional) or dirty at statement 2, the sleep (no-transaction); 003 pending."""
    v = M.check(ctx.server, db, migs)
    if not v.ok:
        res.inconsistency(where, v.problems)
    rows = M.read_state(ctx.server, db)[0]
    want = {"001": ("applied", None, None)}
    if notx:
        want["002"] = ("dirty", 2, "up")
    got = {k: (s, f, d or ("up" if s == "dirty" else None)) for k, (s, f, d) in rows.items()}
    if got != want:
        res.failure(where, f"history after the cut is {got}, expected {want}")
    return v


def _retry(ctx, res, db, directory, migs, v, where):
    ctx.server.psql("postgres", f"ALTER DATABASE {db} SET torture.sleep = '0'")
    for m, direction, _ in v.dirty:
        M.fix_by_hand(ctx.server, db, m, direction, "pending")
        rc, out = ctx.strata.run(db, directory, "repair", m.version, "--as", "pending")
        if rc != 0:
            res.failure(where, f"strata repair {m.version} --as pending exited {rc}: {tail(out)}")
    rc, out = ctx.strata.run(db, directory, "up")
    if rc != 0:
        res.failure(where, f"the retry exited {rc}: {tail(out)}")
        return
    v2 = M.check(ctx.server, db, migs)
    applied = sum(1 for r in M.read_state(ctx.server, db)[0].values() if r[0] == "applied")
    if not v2.ok:
        res.inconsistency(where + " after the retry", v2.problems)
    if applied != len(migs):
        res.failure(where, f"after the retry {applied} of {len(migs)} applied")


def connection_loss(ctx, how, notx):
    """`how`: 'terminate' (pg_terminate_backend of the runner's backend) or 'restart' (pg_ctl restart -m fast)."""
    kind = "no-transaction" if notx else "transactional"
    res = Result(f"3. connection loss: {'pg_terminate_backend' if how == 'terminate' else 'server restart'}, {kind}")
    t_start = time.monotonic()
    where = f"{how}/{kind}"
    if how == "restart" and not ctx.server.data:
        res.failure(where, "the cluster's data directory is unknown (STRATA_PG_DIR / STRATA_PG_DATA): cannot restart it")
        return res
    directory, migs, db = _setup(ctx, "loss", notx, 120)
    p = ctx.strata.start(db, directory, "up", log=os.path.join(directory, "..", f"loss-{how}-{kind}.log"))
    pid = _sleeping_backend(ctx, db, p)
    res.iterations = 1
    if pid is None:
        res.failure(where, f"migration 002 never reached its pg_sleep: {tail(output_of(p))}")
        kill9(p)
        ctx.server.drop_db(db)
        return res
    t0 = time.monotonic()
    if how == "terminate":
        ctx.server.psql(db, f"SELECT pg_terminate_backend({pid})")
    else:
        ctx.server.restart()
    rc = wait_exit(p, EXIT_WITHIN)
    took = elapsed(t0)
    out = output_of(p)
    if rc is None:
        res.failure(where, f"strata did not exit within {EXIT_WITHIN}s of the cut (killed it): {tail(out, 3)}")
    elif rc == 0:
        res.failure(where, f"strata exited 0 although its connection was cut: {tail(out)}")
    if "002" not in out or "m002" not in out:
        res.failure(where, f"the message does not name migration 002 m002: {tail(out)}")
    if not ctx.server.wait_ready() or not ctx.server.wait_idle(db):
        res.failure(where, "the server did not come back, or backends stayed connected")
    v = _expect_state(ctx, res, db, migs, notx, where)
    locks = ctx.server.advisory_locks(db)
    if locks:
        res.failure(where, f"{locks} advisory lock(s) held after strata exited")
    _retry(ctx, res, db, directory, migs, v, where)
    res.notes.append(f"exit {rc} after {took:.1f}s: {first_error(out)[:150]}")
    ctx.server.drop_db(db)
    res.seconds = time.monotonic() - t_start
    return res


def lock_holder_dies(ctx, notx, repeats, lock_wait=15, sleep=3):
    """kill -9 the runner holding the lock while 002 sleeps; a second runner started at once must get the lock
    within its --lock-wait. Transactional: it then applies everything (exit 0). No-transaction: 002 is dirty,
    so it refuses (exit 5) until `strata repair`, after which `strata up` completes."""
    kind = "no-transaction" if notx else "transactional"
    res = Result(f"4. lock holder killed (-9), {kind}")
    t_start = time.monotonic()
    waits = []
    for i in range(1, repeats + 1):
        where = f"{kind} #{i}"
        directory, migs, db = _setup(ctx, "holder", notx, sleep)
        a = ctx.strata.start(db, directory, "up", log=os.path.join(directory, "..", "holder-a.log"))
        res.iterations += 1
        if _sleeping_backend(ctx, db, a) is None:
            res.failure(where, f"the first runner never reached 002's pg_sleep: {tail(output_of(a))}")
            kill9(a)
            ctx.server.drop_db(db)
            continue
        kill9(a)
        t0 = time.monotonic()
        b = ctx.strata.start(db, directory, "up", "--lock-wait", f"{lock_wait}s", log=os.path.join(directory, "..", "holder-b.log"))
        got = None
        while b.poll() is None and elapsed(t0) < lock_wait + 5:
            if ctx.server.lock_holder_pid(db) == b.pid:
                got = elapsed(t0)
                break
            time.sleep(0.01)
        rc = wait_exit(b, 120)
        out = output_of(b)
        if got is None and rc not in (None, 4):
            # Finished before we saw it holding the lock: it ran, so it had the lock.
            got = elapsed(t0)
        if got is None or got > lock_wait:
            res.failure(where, f"the second runner did not get the lock within its --lock-wait {lock_wait}s (exit {rc}): {tail(out)}")
        else:
            waits.append(got)
        want = 5 if notx else 0
        if rc != want:
            res.failure(where, f"the second runner exited {rc}, expected {want}: {tail(out, 4)}")
        if not ctx.server.wait_idle(db):
            res.failure(where, "backends stayed connected")
        v = M.check(ctx.server, db, migs)
        if not v.ok:
            res.inconsistency(where, v.problems)
        if notx:
            _retry(ctx, res, db, directory, migs, v, where)
        else:
            ctx.server.psql("postgres", f"ALTER DATABASE {db} SET torture.sleep = '0'")
            rc2, out2 = ctx.strata.run(db, directory, "up")
            applied = sum(1 for r in M.read_state(ctx.server, db)[0].values() if r[0] == "applied")
            if rc2 != 0 or applied != len(migs):
                res.failure(where, f"afterwards strata up exited {rc2} with {applied} of {len(migs)} applied: {tail(out2)}")
            ok = ctx.server.value(db, "SELECT count(*) FROM strata_events WHERE version = '002' AND direction = 'up' AND outcome = 'ok'")
            if ok != "1":
                res.inconsistency(where, [f"002 has {ok} successful up events, expected exactly 1"])
        ctx.server.drop_db(db)
    if waits:
        res.notes.append(f"lock acquired {min(waits):.2f}–{max(waits):.2f}s after the kill (--lock-wait {lock_wait}s); "
                         f"the killed runner's statement slept {sleep}s")
    res.seconds = time.monotonic() - t_start
    return res
