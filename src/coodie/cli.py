"""The `coodie` command: `coodie migrate make|up|down|status|show`.

Connection options come from flags or the environment: COODIE_HOSTS (comma separated,
host, host:port, ::1 or [::1]:port; one port for all hosts), COODIE_PORT, COODIE_KEYSPACE, COODIE_DRIVER (scylla, cassandra,
acsylla), COODIE_USERNAME / COODIE_PASSWORD, COODIE_MODELS (for `make`).

Exit codes, for CI scripts:
  0  done (status: nothing pending)       3  status: migrations are pending
  1  an error (the message says which)    4  an applied migration was edited (checksum)
  2  bad command line                     5  the migration lock stayed taken
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from coodie.exceptions import CoodieError, MigrationChecksumError, MigrationLockError

__all__ = ["EXIT_CHECKSUM", "EXIT_ERROR", "EXIT_LOCKED", "EXIT_OK", "EXIT_PENDING", "main"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2  # argparse's
EXIT_PENDING = 3
EXIT_CHECKSUM = 4
EXIT_LOCKED = 5


def _parser() -> argparse.ArgumentParser:
    env = os.environ.get
    conn = argparse.ArgumentParser(add_help=False)
    g = conn.add_argument_group("connection (flags override the environment)")
    g.add_argument("--hosts", default=env("COODIE_HOSTS", "127.0.0.1"), help="COODIE_HOSTS")
    g.add_argument("--port", type=int, default=int(env("COODIE_PORT", "9042")), help="COODIE_PORT")
    g.add_argument("--keyspace", default=env("COODIE_KEYSPACE"), help="COODIE_KEYSPACE")
    g.add_argument(
        "--driver",
        default=env("COODIE_DRIVER", "scylla"),
        choices=("scylla", "cassandra", "acsylla"),
        help="COODIE_DRIVER",
    )
    g.add_argument("--username", default=env("COODIE_USERNAME"), help="COODIE_USERNAME")
    g.add_argument("--password", default=env("COODIE_PASSWORD"), help="COODIE_PASSWORD")
    g.add_argument(
        "--dir", default=env("COODIE_MIGRATIONS", "migrations"), help="the migrations folder"
    )

    top = argparse.ArgumentParser(prog="coodie", description="coodie: Cassandra ODM tools")
    commands = top.add_subparsers(dest="command", required=True)
    migrate = commands.add_parser("migrate", help="schema migrations")
    sub = migrate.add_subparsers(dest="action", required=True)

    make = sub.add_parser("make", parents=[conn], help="write a migration for the model changes")
    make.add_argument("-m", "--message", required=True)
    make.add_argument(
        "--models", default=env("COODIE_MODELS"), help="module(s) of the Document classes"
    )
    make.add_argument("--empty", action="store_true", help="a migration to fill in by hand")

    up = sub.add_parser("up", parents=[conn], help="apply pending migrations")
    up.add_argument("target", nargs="?", help="stop once this migration is applied")
    down = sub.add_parser("down", parents=[conn], help="undo migrations back to a target")
    down.add_argument("target", help='the migration to go back to ("base": undo all)')
    for p in (up, down):
        p.add_argument("--dry-run", action="store_true", help="print the CQL, send nothing")
        p.add_argument("--lock-timeout", type=float, default=60.0, help="seconds to wait (60)")
        p.add_argument("--lock-ttl", type=int, default=120, help="lock expiry in seconds (120)")

    sub.add_parser("status", parents=[conn], help="applied and pending migrations")
    show = sub.add_parser("show", parents=[conn], help="a migration and its CQL")
    show.add_argument("id")
    return top


def _connect(args: argparse.Namespace) -> Any:
    from coodie.hosts import parse_hosts
    from coodie.sync import init_coodie

    hosts, port = parse_hosts(args.hosts, args.port)
    options: dict[str, Any] = {}
    if args.username:
        if args.driver == "acsylla":
            options.update(username=args.username, password=args.password or "")
        else:
            from cassandra.auth import PlainTextAuthProvider

            options["auth_provider"] = PlainTextAuthProvider(args.username, args.password or "")
    return init_coodie(
        hosts, args.keyspace, port=port, driver_type=args.driver, name="coodie-cli", **options
    )


def _print_statements(statements: dict[str, list[str]], out: TextIO) -> None:
    for mid, cqls in statements.items():
        out.write(f"-- {mid}\n")
        for cql in cqls:
            out.write(cql if cql.startswith("--") else f"{cql};")
            out.write("\n")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from coodie.migrations import Migrator

    if not args.keyspace:
        err.write("coodie: no keyspace: pass --keyspace or set COODIE_KEYSPACE\n")
        return EXIT_ERROR
    driver = _connect(args)
    try:
        options: dict[str, Any] = {"keyspace": args.keyspace, "driver": driver}
        if args.action in ("up", "down"):
            options.update(lock_timeout=args.lock_timeout, lock_ttl=args.lock_ttl)
        m = Migrator(args.dir, **options)
        if args.action == "make":
            if not args.models and not args.empty:
                err.write("coodie: name the models: --models app.models (or COODIE_MODELS)\n")
                return EXIT_ERROR
            sys.path.insert(0, os.getcwd())
            made = m.make(args.message, args.models or [], empty=args.empty)
            if made is None:
                out.write("no changes: the keyspace matches the models\n")
                return EXIT_OK
            for w in made.warnings:
                err.write(f"warning: {w} (left commented out)\n")
            out.write(f"wrote {made.path}\n")
            return EXIT_OK
        if args.action in ("up", "down"):
            move = m.upgrade if args.action == "up" else m.downgrade
            result = move(args.target, dry_run=args.dry_run)
            verb = "applied" if args.action == "up" else "reverted"
            if args.dry_run:
                _print_statements(result.statements, out)
                verb = f"would be {verb}"
            if not result.done:
                out.write("nothing to do\n")
            for mid in result.done:
                out.write(f"{verb}: {mid}\n")
            return EXIT_OK
        if args.action == "status":
            lines = m.status()
            for s in lines:
                when = f"  {s.applied_at:%Y-%m-%d %H:%M:%S}" if s.applied_at else ""
                out.write(f"{s.state:8}  {s.id}{when}  {s.description}\n")
            if not lines:
                out.write("no migrations\n")
            if any(s.state == "modified" for s in lines):
                err.write("coodie: applied migrations were edited (checksum mismatch)\n")
                return EXIT_CHECKSUM
            if any(s.state == "pending" for s in lines):
                return EXIT_PENDING
            return EXIT_OK
        assert args.action == "show"
        mig, up_cql, down_cql = m.show(args.id)
        out.write(f"id: {mig.id}\nfile: {mig.path}\ndescription: {mig.description}\n")
        out.write(f"depends_on: {', '.join(mig.depends_on) or '-'}\nchecksum: {mig.checksum}\n")
        _print_statements({"upgrade": up_cql, "downgrade": down_cql}, out)
        return EXIT_OK
    finally:
        from coodie.registry import unregister_driver

        unregister_driver("coodie-cli")
        driver.shutdown()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return run(args, sys.stdout, sys.stderr)
    except CoodieError as e:
        sys.stderr.write(f"coodie: {e}\n")
        if isinstance(e, MigrationChecksumError):
            return EXIT_CHECKSUM
        return EXIT_LOCKED if isinstance(e, MigrationLockError) else EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
