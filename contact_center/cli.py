"""`contact-center serve ...`: run the reference backend; `contact-center migrate`: its schema."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time

import uvicorn

from contact_center.api.app import create_app
from contact_center.sim.seed import is_empty, seed
from contact_center.sim.simulator import Simulator
from contact_center.storage.engine import make_engine
from contact_center.storage.migrate import current_revision, upgrade
from contact_center.storage.store import Store

ROLES = ("agent", "supervisor", "admin")


def role_list(text: str) -> frozenset[str]:
    """`admin,supervisor` -> those roles; empty -> none."""
    roles = frozenset(r.strip() for r in text.split(",") if r.strip())
    unknown = sorted(roles - set(ROLES))
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown role {', '.join(unknown)} (roles: {', '.join(ROLES)})"
        )
    return roles


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="contact-center", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--db", default="contact_center.db", help="SQLite file or SQLAlchemy URL")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument(
        "--seed-users", type=int, default=0, help="seed N agents into an empty database"
    )
    serve.add_argument("--simulate", action="store_true", help="run the traffic simulator")
    serve.add_argument("--sim-rate", type=float, default=20.0, help="simulated changes per second")
    serve.add_argument("--sim-seed", type=int, default=1)
    serve.add_argument("--sim-stuck-rate", type=float, default=0.02)
    serve.add_argument("--admin-password", default=os.environ.get("CONTACT_CENTER_ADMIN_PASSWORD"))
    serve.add_argument(
        "--supervisor-password", default=os.environ.get("CONTACT_CENTER_SUPERVISOR_PASSWORD")
    )
    serve.add_argument(
        "--require-2fa",
        type=role_list,
        default=frozenset(),
        metavar="ROLES",
        help="comma list of roles that must set up two-factor sign-in, e.g. admin,supervisor",
    )
    migrate = sub.add_parser(
        "migrate", help="bring the database's schema to the newest revision (Alembic), then exit"
    )
    migrate.add_argument("--db", default="contact_center.db", help="SQLite file or SQLAlchemy URL")
    migrate.add_argument("--revision", default="head", help="target revision (default: head)")
    return parser


def run_migrate(db_url: str, revision: str) -> int:
    engine = make_engine(db_url)
    try:
        before = current_revision(engine)
        upgrade(engine, revision)
        after = current_revision(engine)
    finally:
        engine.dispose()
    print(f"Schema at revision {after} (was {before or 'empty'}).", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "migrate":
        return run_migrate(args.db, args.revision)
    store = Store(args.db)
    if is_empty(store):
        admin_pw = args.admin_password or secrets.token_urlsafe(12)
        super_pw = args.supervisor_password or secrets.token_urlsafe(12)
        started = time.perf_counter()
        seed(store, args.seed_users, admin_pw, super_pw)
        print(
            f"Seeded {args.seed_users} agents in {time.perf_counter() - started:.1f} s.", flush=True
        )
        if not args.admin_password or not args.supervisor_password:
            # Shown once, on the terminal of the person who started the server.
            print(f"Sign in as admin / {admin_pw} or supervisor / {super_pw}", flush=True)
    services = []
    if args.simulate:
        services.append(
            Simulator(store, rate=args.sim_rate, seed=args.sim_seed, stuck_rate=args.sim_stuck_rate)
        )
    app = create_app(store, services, require_2fa=args.require_2fa)
    print(f"Contact center API on http://{args.host}:{args.port}/api/v1", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
