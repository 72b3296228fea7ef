"""`contact-center serve ...`: run the reference backend; `contact-center migrate`: its schema;
`contact-center outbox`: the emails it sent or keeps queued."""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
import time

import uvicorn

from contact_center.api.app import create_app, proxy_options
from contact_center.domain import outbox
from contact_center.domain.outbox import MailSettings
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
        "--forwarded-allow-ips",
        default=None,
        metavar="ADDRESSES",
        help="believe X-Forwarded-For/-Proto only from these proxies (comma-separated "
        "addresses or networks, '*' for any); default: from none, the headers are ignored",
    )
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
    serve.add_argument(
        "--smtp-url",
        default=None,
        metavar="URL",
        help="send the welcome emails through this SMTP server: smtp://HOST:PORT, "
        "smtps://HOST:PORT (TLS) or smtp+starttls://HOST:PORT; user and password from "
        "CC_SMTP_USER and CC_SMTP_PASSWORD. Without it emails stay queued "
        "(`contact-center outbox` lists them)",
    )
    serve.add_argument(
        "--smtp-from",
        default="supervisor-console@localhost",
        metavar="ADDRESS",
        help="the emails' sender (default: supervisor-console@localhost)",
    )
    serve.add_argument(
        "--public-url",
        default=None,
        metavar="URL",
        help="the base of the links in emails (default: http://HOST:PORT of this server)",
    )
    outbox_cmd = sub.add_parser(
        "outbox", help="list the emails of the outbox (to, subject, state, link), then exit"
    )
    outbox_cmd.add_argument(
        "--db", default="contact_center.db", help="SQLite file or SQLAlchemy URL"
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


def run_outbox(db_url: str) -> int:
    store = Store(db_url)
    try:
        with store.read() as conn:
            emails = outbox.pending(conn)
    finally:
        store.dispose()
    if not emails:
        print("The outbox is empty.", flush=True)
    for e in emails:
        print(f"#{e['id']} to {e['to_addr']}: {e['subject']}", flush=True)
        state = e["state"] + (f" ({e['last_error']})" if e["last_error"] else "")
        print(f"  state: {state}; attempts: {e['attempts']}", flush=True)
        print(f"  link: {e['link'] or '-'}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "migrate":
        return run_migrate(args.db, args.revision)
    if args.command == "outbox":
        return run_outbox(args.db)
    # Unexpected errors (contact_center.api, the bulk runner) go to stderr with a traceback.
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        mail = MailSettings(
            public_url=args.public_url or f"http://{args.host}:{args.port}",
            smtp_url=args.smtp_url,
            sender=args.smtp_from,
            user=os.environ.get("CC_SMTP_USER") or None,
            password=os.environ.get("CC_SMTP_PASSWORD") or None,
        )
    except ValueError as exc:
        print(f"contact-center serve: {exc}", file=sys.stderr, flush=True)
        return 2
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
    app = create_app(store, services, mail, require_2fa=args.require_2fa)
    print(f"Contact center API on http://{args.host}:{args.port}/api/v1", flush=True)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        **proxy_options(args.forwarded_allow_ips),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
