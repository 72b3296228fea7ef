"""A seeded data set of any size: agents, a supervisor and an admin, and all they own."""

from __future__ import annotations

import base64
import json
import random
from typing import Any

from sqlalchemy import JSON, Connection, Table, bindparam, func, select

from contact_center.domain import auth
from contact_center.domain.recycle import DEFAULT_RULE
from contact_center.domain.twofactor import backup_hash
from contact_center.storage.clock import now
from contact_center.storage.engine import reset_sequences
from contact_center.storage.store import Store
from contact_center.storage.tables import (
    answering_rules,
    calls,
    contacts,
    devices,
    greetings,
    leads,
    lines,
    phone_numbers,
    sessions,
    users,
    voicemails,
)

FIRST = [
    "Ada",
    "Ben",
    "Cleo",
    "Dev",
    "Elif",
    "Femi",
    "Gus",
    "Hana",
    "Ivo",
    "Jin",
    "Kai",
    "Lena",
    "Milo",
    "Nia",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Uma",
    "Vik",
    "Wen",
    "Xavi",
    "Yara",
    "Zeke",
]
LAST = [
    "Okafor",
    "Silva",
    "Kim",
    "Novak",
    "Haddad",
    "Larsen",
    "Moreau",
    "Rossi",
    "Tanaka",
    "Weber",
    "Costa",
    "Nguyen",
    "Ivanova",
    "Patel",
    "Dubois",
    "Lopez",
    "Berg",
    "Khan",
    "Meyer",
    "Sato",
]
DESKS = ["Sales", "Support", "Billing", "Retention", "Onboarding"]
SKILLS = ["english", "spanish", "french", "german", "billing", "tech", "vip"]
TAGS = ["night", "weekend", "trainee", "remote", "team-lead"]
STATUS_MIX = [("available", 30), ("busy", 25), ("unavailable", 8), ("break", 8), ("dnd", 3),
              ("meeting", 4), ("other", 2), ("offline", 20)]  # fmt: skip


def is_empty(store: Store) -> bool:
    with store.read() as conn:
        return conn.execute(select(func.count()).select_from(users)).scalar_one() == 0


def seed(
    store: Store, agents: int, admin_password: str, supervisor_password: str, rng_seed: int = 7
) -> None:
    """Fill an empty database: `agents` agents plus `admin` and `supervisor`."""
    rng = random.Random(rng_seed)
    t = now()
    with store.write() as conn:
        staff = [
            _user(1, "admin", "Alex", "Admin", "admin", t, rng, auth.hash_password(admin_password)),
            _user(
                2,
                "supervisor",
                "Sky",
                "Supervisor",
                "supervisor",
                t,
                rng,
                auth.hash_password(supervisor_password),
            ),
        ]
        for person in staff:
            # Available, and without a second factor: they enrol it through the API.
            person.update(status="available", two_factor=False, totp_secret=None)
            person["backup_codes"] = None
        rows = staff + [
            _user(i + 3, f"agent{i + 1:05d}", "", "", "agent", t, rng, None) for i in range(agents)
        ]
        _bulk_insert(conn, users, rows)
        _owned(conn, rows, rng, t)
        conn.execute(
            contacts.insert(),
            [
                {"owner_id": None, "name": f"Shared {d}", "number": f"+1555900{i:04d}"}
                for i, d in enumerate(DESKS)
            ],
        )
        reset_sequences(conn)  # the users and devices above have explicit ids


def _user(
    uid: int,
    username: str,
    first: str,
    last: str,
    role: str,
    t: float,
    rng: random.Random,
    pw: str | None,
) -> dict[str, Any]:
    first = first or rng.choice(FIRST)
    last = last or rng.choice(LAST)
    status = rng.choices([s for s, _ in STATUS_MIX], [w for _, w in STATUS_MIX])[0]
    two_fa = rng.random() < 0.3
    return {
        "id": uid, "username": username, "first_name": first, "last_name": last,
        "email": f"{username}@example.com", "extension": str(1000 + uid),
        "phone_number": f"+1555{uid:07d}" if rng.random() < 0.8 else None,
        "role": role, "desks": rng.sample(DESKS, rng.randint(1, 2)),
        "skills": rng.sample(SKILLS, rng.randint(1, 3)), "tags": rng.sample(TAGS, rng.randint(0, 2)),
        "active": rng.random() > 0.03, "two_factor": two_fa,
        "totp_secret": _base32(rng.getrandbits(80)) if two_fa else None,
        "backup_codes": [backup_hash(f"{rng.getrandbits(32):08x}") for _ in range(4)] if two_fa else None,
        "password_hash": pw, "must_change_password": False, "status": status,
        "status_text": "Training" if status == "other" else None,
        "status_since": t - rng.uniform(5, 600 if status == "busy" else 3600), "last_activity": t - rng.uniform(0, 600),
        "version": 1, "changed_by": None, "changed_at": t,
    }  # fmt: skip


def _base32(bits80: int) -> str:
    """A TOTP secret as pyotp.random_base32() writes one (16 characters here)."""
    return base64.b32encode(bits80.to_bytes(10, "big")).decode()


def _owned(conn: Connection, rows: list[dict[str, Any]], rng: random.Random, t: float) -> None:
    """Sessions, calls, voicemail, rules, contacts, numbers, devices and leads of each user."""
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in
        ("sessions", "calls", "vm", "greet", "rules", "contacts", "numbers", "devices", "lines", "leads")}  # fmt: skip
    for device_id, u in enumerate(rows, start=1):
        uid = u["id"]
        if not u["active"]:
            u["status"] = "offline"
        if u["status"] != "offline":
            out["sessions"].append({"user_id": uid, "client": rng.choice(["web", "desktop", "mobile"]),
                                    "started_at": u["status_since"] - 60, "last_seen": t})  # fmt: skip
        if u["status"] == "busy" and rng.random() < 0.9:  # the rest are stuck from the start
            out["calls"].append(_call(uid, rng, u["status_since"], None))
        out["calls"].append(_call(uid, rng, t - 7200, t - 7000))
        for _ in range(rng.randint(0, 2)):
            out["vm"].append({"user_id": uid, "box": rng.choice(["new", "saved", "trash"]),
                              "caller": f"+1555{rng.randint(0, 9_999_999):07d}", "received_at": t - rng.uniform(0, 86400)})  # fmt: skip
        out["greet"].append({"user_id": uid, "kind": "standard", "label": "Standard greeting"})
        out["rules"].append({"user_id": uid, **DEFAULT_RULE})
        if rng.random() < 0.3:
            out["rules"].append(
                {"user_id": uid, "name": "After hours", "is_default": False, "action": "Voicemail"}
            )
        out["contacts"].append(
            {
                "owner_id": uid,
                "name": f"{rng.choice(FIRST)} (personal)",
                "number": f"+1555{rng.randint(0, 9_999_999):07d}",
            }
        )
        if u["phone_number"]:
            out["numbers"].append(
                {"number": u["phone_number"], "user_id": uid, "state": "assigned"}
            )
        kind = rng.choice(["physical", "soft", "mobile"])
        mac = (
            ":".join(f"{rng.randint(0, 255):02x}" for _ in range(6)) if kind == "physical" else None
        )
        out["devices"].append(
            {
                "id": device_id,
                "user_id": uid,
                "kind": kind,
                "mac": mac,
                "model": "Yealink T54W" if mac else kind.title(),
            }
        )
        out["lines"].append({"device_id": device_id, "user_id": uid, "extension": u["extension"]})
        if u["role"] == "agent" and rng.random() < 0.5:
            out["leads"].append({"owner_id": uid, "name": f"Lead of {u['username']}"})
    for i in range(max(20, len(rows) // 20)):
        out["numbers"].append({"number": f"+1666{i:07d}", "user_id": None, "state": "available"})
    tables = {"sessions": sessions, "calls": calls, "vm": voicemails, "greet": greetings, "rules": answering_rules,
              "contacts": contacts, "numbers": phone_numbers, "devices": devices, "lines": lines, "leads": leads}  # fmt: skip
    conn.execute(users.update().where(users.c.active.is_(False)).values(status="offline"))
    for key, table in tables.items():
        _bulk_insert(conn, table, out[key])


def _bulk_insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """executemany straight to the driver: building SQLAlchemy params for 500,000 rows
    costs more than the inserts themselves."""
    if not rows:
        return
    keys = list(rows[0])
    compiled = table.insert().values({k: bindparam(k) for k in keys}).compile(dialect=conn.dialect)
    as_json = {k for k in keys if isinstance(table.c[k].type, JSON)}
    if as_json:
        rows = [
            {k: (json.dumps(v) if k in as_json and v is not None else v) for k, v in r.items()}
            for r in rows
        ]
    if compiled.positional:
        order = compiled.positiontup or []
        conn.exec_driver_sql(str(compiled), [tuple(r[k] for k in order) for r in rows])
    else:
        conn.exec_driver_sql(str(compiled), rows)


def _call(uid: int, rng: random.Random, started: float, ended: float | None) -> dict[str, Any]:
    return {
        "user_id": uid, "direction": rng.choice(["inbound", "outbound"]),
        "peer": f"+1555{rng.randint(0, 9_999_999):07d}", "started_at": started, "ended_at": ended,
        "ended_by": None if ended is None else "hangup", "recording": f"rec/{uid}/{int(started)}.wav",
    }  # fmt: skip
