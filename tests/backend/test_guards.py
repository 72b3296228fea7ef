"""Guards against self-lockout, foreign job cancels, caching and username probing."""

from __future__ import annotations

import time

import httpx


def test_admin_cannot_delete_deactivate_or_demote_themselves(admin: httpx.Client) -> None:
    me = admin.get("/users/1").json()
    assert me["username"] == "admin"
    for method, path, body in [
        ("DELETE", "/users/1", None),
        ("POST", "/users/1/deactivate", {}),
        ("POST", "/users/1/reset", {"delete_voicemail": True}),
    ]:
        r = admin.request(method, path, json=body)
        assert r.status_code == 409, r.text
        assert "your own account" in r.json()["detail"]
    assert admin.get("/users/1").json()["version"] == me["version"]


def test_bulk_set_role_skips_the_acting_admin(admin: httpx.Client) -> None:
    body = {"action": "set-role", "scope": {"kind": "ids", "ids": [1]}, "params": {"role": "agent"}}
    preview = admin.post("/bulk-jobs/preview", json=body).json()
    job = admin.post("/bulk-jobs", json=body).json()
    for _ in range(100):
        view = admin.get(f"/bulk-jobs/{job['id']}").json()
        if view["state"] == "done":
            break
        time.sleep(0.05)
    assert view["results"][0]["outcome"] == "skipped"
    assert view["results"][0]["reason"] == "your own account"
    assert admin.get("/users/1").json()["role"] == "admin"
    assert preview["total"] == 1


def test_supervisor_cannot_cancel_an_admins_job(
    admin: httpx.Client, supervisor: httpx.Client
) -> None:
    body = {"action": "add-tags", "scope": {"kind": "all"}, "params": {"values": ["x"]}}
    job = admin.post("/bulk-jobs", json=body).json()
    r = supervisor.post(f"/bulk-jobs/{job['id']}/cancel")
    assert r.status_code == 403
    assert r.json()["detail"] == "Your role (supervisor) cannot cancel another person's bulk job."


def test_answers_are_never_cached(admin: httpx.Client) -> None:
    assert admin.get("/users").headers["cache-control"] == "no-store"
