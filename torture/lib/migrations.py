"""Generated migrations whose every statement creates (up) or drops (down) one distinct, checkable object,
and the invariant check of a database against them.

Objects: table t<v>_<k> (statement k of migration v) or index i<v>_<k> on t<v>_1. Statements that create
nothing (a pg_sleep) have no object. The manifest says, per version, which object each statement touches.
"""
import os


class Obj:
    def __init__(self, name, kind, create, drop, create_plain, drop_if):
        self.name, self.kind = name, kind
        self.create, self.drop = create, drop                    # as written in the file
        self.create_plain, self.drop_if = create_plain, drop_if  # for fixing a dirty migration by hand


class Migration:
    def __init__(self, version, name, notx):
        self.version, self.name, self.notx = version, name, notx
        self.up = []    # per statement: (sql, Obj or None)
        self.down = []  # per statement: (sql, Obj or None)

    @property
    def objects(self):
        return [o for _, o in self.up if o]

    def text(self, layout="strata"):
        up = "".join(s + ";\n" for s, _ in self.up)
        down = "".join(s + ";\n" for s, _ in self.down)
        if layout == "goose":
            nt = "-- +goose NO TRANSACTION\n" if self.notx else ""
            return f"{nt}-- +goose Up\n{up}\n-- +goose Down\n{down}"
        if layout == "dbmate":
            nt = " transaction:false" if self.notx else ""
            return f"-- migrate:up{nt}\n{up}\n-- migrate:down{nt}\n{down}"
        nt = "-- strata:no-transaction\n" if self.notx else ""
        return f"-- strata:up\n{nt}{up}\n-- strata:down\n{nt}{down}"


def table(v, k, sleep_ms=0):
    name = f"t{v}_{k}"
    create = f"CREATE TABLE {name} AS SELECT 1 AS id FROM pg_sleep({sleep_ms / 1000:.3f})" if sleep_ms else f"CREATE TABLE {name} (id int)"
    return Obj(name, "table", create, f"DROP TABLE {name}", f"CREATE TABLE {name} (id int)", f"DROP TABLE IF EXISTS {name} CASCADE")


def index(v, k, concurrently):
    name, c = f"i{v}_{k}", "CONCURRENTLY " if concurrently else ""
    return Obj(name, "index", f"CREATE INDEX {c}{name} ON t{v}_1 (id)", f"DROP INDEX {c}{name}",
               f"CREATE INDEX {name} ON t{v}_1 (id)", f"DROP INDEX IF EXISTS {name}")


def generate(rng, count, notx_ratio=0.35, max_statements=4, sleep_ms=0, index_ratio=0.35):
    """`count` migrations 001…, a random mix of transactional and no-transaction ones (no-transaction ones
    build their indexes CONCURRENTLY). With `sleep_ms`, half the tables are built slowly (CREATE TABLE … AS …
    pg_sleep), so that kills land inside statements too."""
    out = []
    for v in range(1, count + 1):
        m = Migration(f"{v:03d}", f"m{v:03d}", rng.random() < notx_ratio)
        for k in range(1, rng.randint(1, max_statements) + 1):
            if k > 1 and rng.random() < index_ratio:
                o = index(v, k, m.notx)
            else:
                o = table(v, k, rng.randint(1, sleep_ms) if sleep_ms and rng.random() < 0.5 else 0)
            m.up.append((o.create, o))
        m.down = [(o.drop, o) for _, o in reversed(m.up)]
        out.append(m)
    return out


LAYOUTS = ("strata", "goose", "dbmate", "flyway")


def write(migrations, directory, layout="strata"):
    """The migrations as files in Strata's layout, or goose's, dbmate's or Flyway's (read by Strata as they are).
    Flyway: V<v>__<name>.sql and U<v>__<name>.sql (undo), a `.sql.conf` with executeInTransaction=false beside both
    for no-transaction migrations."""
    os.makedirs(directory, exist_ok=True)
    for m in migrations:
        if layout == "flyway":
            for prefix, statements in (("V", m.up), ("U", m.down)):
                path = os.path.join(directory, f"{prefix}{m.version}__{m.name}.sql")
                with open(path, "w") as f:
                    f.write("".join(s + ";\n" for s, _ in statements))
                if m.notx:
                    with open(path + ".conf", "w") as f:
                        f.write("executeInTransaction=false\n")
            continue
        with open(os.path.join(directory, f"{m.version}_{m.name}.sql"), "w") as f:
            f.write(m.text(layout))


# ------------------------------------------------------------------ the invariant ---

def read_state(server, db):
    """(history rows by version, objects {name: valid}, events table exists)."""
    have = server.psql(db, "SELECT to_regclass('public.strata_migrations') IS NOT NULL, to_regclass('public.strata_events') IS NOT NULL")[0]
    rows = {}
    if have[0] == "t":
        for version, state, failed, direction in server.psql(
                db, "SELECT version, state, failed_statement, failed_direction FROM strata_migrations"):
            rows[version] = (state, int(failed) if failed is not None else None, direction)
    objects = {}
    for name, valid in server.psql(db, """
            SELECT c.relname, coalesce(i.indisvalid, true) FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_index i ON i.indexrelid = c.oid
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 'p') AND c.relname NOT LIKE 'strata\\_%'"""):
        objects[name] = valid == "t"
    return rows, objects, have[0] == "t", have[1] == "t"


class Verdict:
    def __init__(self):
        self.problems = []        # invariant violations
        self.dirty = []           # (Migration, direction, failed_statement)
        self.inflight_done = 0    # dirty rows whose in-flight statement had taken effect (see README)

    @property
    def ok(self):
        return not self.problems


def check(server, db, migrations, extra_objects=()):
    """Checks "a migration happens completely or not at all" against the database."""
    rows, objects, has_m, has_e = read_state(server, db)
    v = Verdict()
    if has_m != has_e:
        v.problems.append(f"history half-created: strata_migrations {'exists' if has_m else 'missing'}, "
                          f"strata_events {'exists' if has_e else 'missing'}")
    known = set(extra_objects)

    def present(o):
        return o.name in objects

    def whole(o):
        return objects.get(o.name) is True

    for m in migrations:
        known.update(o.name for o in m.objects)
        row = rows.pop(m.version, None)
        if row is None:
            bad = [o.name for o in m.objects if present(o)]
            if bad:
                v.problems.append(f"{m.version}: not recorded, but its objects exist: {', '.join(bad)}")
            continue
        state, failed, direction = row
        if state == "applied":
            bad = [o.name + ("" if not present(o) else " (invalid index)") for o in m.objects if not whole(o)]
            if bad:
                v.problems.append(f"{m.version}: recorded applied, but objects missing: {', '.join(bad)}")
            continue
        if state != "dirty":
            v.problems.append(f"{m.version}: unknown state {state!r}")
            continue
        direction = direction or "up"
        v.dirty.append((m, direction, failed))
        if not m.notx:
            v.problems.append(f"{m.version}: dirty row ({direction}, statement {failed}) for a transactional migration")
            continue
        stmts = m.up if direction == "up" else m.down
        if failed is None or not 1 <= failed <= len(stmts):
            v.problems.append(f"{m.version}: dirty {direction} row with failed_statement {failed} (the section has {len(stmts)} statements)")
            continue
        # Statements before `failed` are done, those after it were never sent; the one at `failed` was in flight
        # when the runner died: it may or may not have taken effect.
        for j, (_, o) in enumerate(stmts, start=1):
            if o is None:
                continue
            done_state = whole(o) if direction == "up" else not present(o)
            undone_state = not present(o) if direction == "up" else whole(o)
            if j < failed and not done_state:
                v.problems.append(f"{m.version}: dirty {direction} at statement {failed}, but statement {j} ({o.name}) did not take effect")
            elif j > failed and not undone_state:
                v.problems.append(f"{m.version}: dirty {direction} at statement {failed}, but statement {j} ({o.name}) took effect")
            elif j == failed and present(o) == (direction == "up"):
                v.inflight_done += 1
    for version, row in rows.items():
        v.problems.append(f"{version}: history row {row} for a migration that does not exist")
    strays = sorted(set(objects) - known)
    if strays:
        v.problems.append(f"objects of no migration: {', '.join(strays[:10])}")
    return v


def fix_by_hand(server, db, m, direction, resolution):
    """What an operator does before `strata repair V --as resolution`: make the schema match the resolution
    (`applied`: every object of the migration exists; `pending`: none does)."""
    objects = read_state(server, db)[1]
    sql = []
    if resolution == "applied":
        for o in m.objects:
            if o.name in objects and not objects[o.name]:
                sql.append(o.drop_if)
            if o.name not in objects or not objects[o.name]:
                sql.append(o.create_plain)
    else:
        for o in reversed(m.objects):
            if o.name in objects:
                sql.append(o.drop_if)
    for s in sql:
        server.psql(db, s)
    return sql
