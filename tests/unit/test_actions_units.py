"""The action units without a server or a window: menus, rules, texts, requests."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from supervisor_console.actions import BY_KEY, UserAction, action, menu_items
from supervisor_console.actions.audit_text import readable_entry
from supervisor_console.actions.base import NavigationAction
from supervisor_console.actions.dialer import (
    QUESTION_BUSY,
    QUESTION_UNAVAILABLE,
    ResetDialerAction,
)
from supervisor_console.actions.params import (
    LogoutParams,
    PasswordParams,
    RecycleInfo,
    ResetOptions,
    StatusChoice,
)
from supervisor_console.actions.recycle import CAUTION, review_lines
from supervisor_console.api.types import LiveCall, Status, UserRow
from supervisor_console.dev.samples import make_row

CALL = LiveCall(9, "inbound", "+15551234567", datetime(2026, 11, 23, 9, tzinfo=UTC))
SUPERVISE = [
    "details",
    "activity",
    "reset-dialer",
    "logout",
    "logout-session",
    "set-status",
    "edit",
]
ADMIN = ["deactivate", "activate", "reset-password", "reset-2fa", "reset", "delete"]


def row_in(status: Status, **extra: object) -> UserRow:
    sessions = 0 if status is Status.OFFLINE else 1
    fields: dict[str, object] = {"status": status, "session_count": sessions, "two_factor": True}
    fields.update(extra)
    return make_row(7, first_name="Ada", last_name="Lovelace", username="agent7", **fields)


def enabled(status: Status, role: str = "admin", **extra: object) -> dict[str, bool]:
    return {i.key: i.enabled for i in menu_items(row_in(status, **extra), role)}


def test_menu_lists_every_action_in_order_with_shortcuts() -> None:
    items = menu_items(row_in(Status.BUSY), "admin")
    assert [i.key for i in items] == SUPERVISE + ADMIN
    shortcuts = {i.key: i.shortcut for i in items}
    assert shortcuts["reset-dialer"] == "R"
    assert shortcuts["logout"] == "L"
    assert shortcuts["deactivate"] == "Ctrl+D"
    assert shortcuts["delete"] == "Del"
    assert shortcuts["set-status"] == "S"
    assert shortcuts["details"] == "Return"
    assert [i.key for i in items if i.separator_before] == ["reset-dialer", "deactivate"]


@pytest.mark.parametrize(
    ("status", "reset", "set_status", "logout"),
    [
        (Status.AVAILABLE, False, True, True),
        (Status.BUSY, True, True, True),
        (Status.UNAVAILABLE, True, True, True),
        (Status.BREAK, False, True, True),
        (Status.DND, False, True, True),
        (Status.MEETING, False, True, True),
        (Status.OTHER, False, True, True),
        (Status.OFFLINE, False, False, False),
    ],
)
def test_menu_per_status(status: Status, reset: bool, set_status: bool, logout: bool) -> None:
    got = enabled(status)
    assert got["reset-dialer"] is reset
    assert got["set-status"] is set_status
    assert got["logout"] is logout
    assert got["logout-session"] is logout
    assert got["details"]
    assert got["activity"]
    assert got["delete"]
    assert got["reset"]


def test_reasons_say_why() -> None:
    offline = {i.key: i for i in menu_items(row_in(Status.OFFLINE), "admin")}
    reason = offline["reset-dialer"].reason
    assert "applies only to users whose status shows Unavailable or Busy" in reason
    assert "Check that the user is signed in and that the dialer is enabled" in reason
    assert ResetDialerAction().availability(row_in(Status.OFFLINE), "admin").explain
    assert offline["logout"].reason == "Ada Lovelace has no active sessions."
    assert "Offline" in offline["set-status"].reason
    avail = {i.key: i for i in menu_items(row_in(Status.AVAILABLE), "admin")}
    assert avail["reset-dialer"].reason.endswith("Ada Lovelace is Available.")


def test_active_and_two_factor_rules() -> None:
    assert enabled(Status.BREAK)["deactivate"]
    assert not enabled(Status.BREAK)["activate"]
    inactive = enabled(Status.OFFLINE, active=False)
    assert inactive["activate"]
    assert not inactive["deactivate"]
    assert not enabled(Status.BREAK, two_factor=False)["reset-2fa"]


def test_supervisor_sees_admin_actions_disabled_with_the_reason() -> None:
    items = {i.key: i for i in menu_items(row_in(Status.BUSY), "supervisor")}
    for key in ADMIN:
        assert not items[key].enabled
        assert items[key].reason.startswith("Your role (supervisor) cannot ")
    assert items["delete"].reason == "Your role (supervisor) cannot delete users."
    assert all(items[k].enabled for k in SUPERVISE)


def test_reset_dialer_texts_word_for_word() -> None:
    unit = action("reset-dialer")
    unavailable = unit.confirmation(row_in(Status.UNAVAILABLE), None)
    assert unavailable is not None
    assert unavailable.question == "Are you sure you want to mark this user as Available?"
    assert unavailable.question == QUESTION_UNAVAILABLE
    busy = unit.confirmation(row_in(Status.BUSY, live_call=CALL), None)
    assert busy is not None
    assert (
        busy.question
        == QUESTION_BUSY
        == (
            "Are you sure you want to mark this user as Available? If the user is currently on "
            "a call, the call will be automatically disconnected."
        )
    )
    assert busy.confirm_label == "Confirm"
    assert any("+15551234567" in d for d in busy.details)
    assert "Ada Lovelace (agent7)" in busy.details[0]


def test_calls_carry_the_precondition_the_supervisor_saw() -> None:
    row = row_in(Status.BUSY, version=42)
    call = action("reset-dialer").call(row, None)
    assert call is not None
    assert (call.method, call.path) == ("POST", "/users/7/reset-dialer")
    assert call.json == {"expected_status": "busy"}
    assert call.headers == {"If-Match": "42"}
    delete = action("delete").call(row, None)
    assert delete is not None
    assert delete.method == "DELETE"
    assert delete.params == {"expected_status": "busy"}
    assert delete.headers["If-Match"] == "42"
    one = action("logout-session").call(row, LogoutParams(5))
    assert one is not None
    assert one.json == {"expected_status": "busy", "session_id": 5}
    pw = action("reset-password").call(row, PasswordParams(False))
    assert pw is not None
    assert pw.json == {"expected_status": "busy", "require_change": False}
    st = action("set-status").call(row, StatusChoice(Status.OTHER, " Training "))
    assert st is not None
    assert st.method == "PUT"
    assert st.json == {"expected_status": "busy", "status": "other", "text": "Training"}
    assert isinstance(BY_KEY["details"], NavigationAction)
    assert not isinstance(BY_KEY["details"], UserAction)  # no dialog, no call
    activity = BY_KEY["activity"]
    assert isinstance(activity, NavigationAction)
    assert activity.section == "activity"


def test_destructive_confirmations_name_the_user_and_the_consequence() -> None:
    row = row_in(Status.BREAK)
    for key in ("deactivate", "reset-password", "delete"):
        conf = action(key).confirmation(row, PasswordParams())
        assert conf is not None
        assert "Ada Lovelace (agent7)" in conf.question
        assert "Ada Lovelace will be signed out of every session." in conf.details
    delete = action("delete").confirmation(row, None)
    assert delete is not None
    assert "Their leads will be unassigned, not deleted." in delete.details
    logout = action("logout").confirmation(row, LogoutParams())
    assert logout is not None
    assert logout.question == "Log out Ada Lovelace from all sessions?"


def test_set_status_and_recycle_input_checks() -> None:
    assert StatusChoice(Status.OTHER, "  ").problem() is not None
    assert StatusChoice(Status.OTHER, "Training").problem() is None
    assert StatusChoice(Status.AVAILABLE).problem() is None  # back from a break (issue 14)
    assert StatusChoice(Status.AVAILABLE).problem(row_in(Status.BREAK)) is None
    assert "Reset dialer status" in (
        StatusChoice(Status.AVAILABLE).problem(row_in(Status.BUSY)) or ""
    )
    assert "already Available" in (
        StatusChoice(Status.AVAILABLE).problem(row_in(Status.AVAILABLE)) or ""
    )
    assert StatusChoice(Status.OFFLINE).problem() is not None
    bad = RecycleInfo("", "Hopper", "grace@").problems()
    assert set(bad) == {"first_name", "email"}
    assert RecycleInfo("Grace", "Hopper", "grace@example.com").problems() == {}


def test_recycle_review_and_body() -> None:
    row = row_in(Status.OFFLINE)
    recycle = RecycleInfo("Grace", "Hopper", "grace@example.com", True)
    options = ResetOptions(delete_voicemail=True, remove_lines=True, recycle=recycle)
    lines = review_lines(row, options)
    assert lines[0].startswith("Delete every voicemail message")
    assert (
        "Recycle the seat as Grace Hopper <grace@example.com>; send a welcome email with a link "
        "to set a password."
    ) in lines
    # The hand-over, as the review states it (issue 14, item 3).
    assert "Ada Lovelace is signed out of every session; their tokens stop working." in lines
    assert any(line.startswith("The password, two-factor authentication") for line in lines)
    assert lines[-1] == "Skills, tags and desks are cleared."
    body = options.body()
    assert body["delete_voicemail"]
    assert not body["delete_greetings"]
    assert body["recycle"] == {
        "first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com",
        "send_welcome_email": True, "keep_assignments": False,
    }  # fmt: skip
    # Email is optional; without one there is no welcome email.
    no_email = ResetOptions(recycle=RecycleInfo("Grace", "Hopper", "", True, keep_assignments=True))
    assert no_email.recycle is not None
    assert no_email.recycle.problems() == {}
    assert no_email.body()["recycle"]["email"] is None  # type: ignore[index]
    assert no_email.body()["recycle"]["send_welcome_email"] is False  # type: ignore[index]
    lines = review_lines(row, no_email)
    assert "Recycle the seat as Grace Hopper; no email, so no welcome email." in lines
    assert lines[-1] == "Skills, tags and desks are kept for the new user."
    conf = action("reset").confirmation(row, ResetOptions())
    assert conf is not None
    assert CAUTION in conf.question
    assert conf.confirm_label == "Reset"
    assert conf.details == ("Clear the name and email of Ada Lovelace.",)


def test_audit_entries_read_as_who_did_what() -> None:
    entry = {
        "at": "2026-11-23T09:00:00+00:00", "actor": "supervisor", "action": "reset-dialer",
        "before": {"status": "busy", "active": True}, "after": {"status": "available", "active": True},
        "job_id": None,
    }  # fmt: skip
    shown = readable_entry(entry)
    assert shown["action"] == "Reset dialer status"
    assert shown["actor"] == "supervisor"
    assert (shown["before"], shown["after"]) == ("status: Busy", "status: Available")
    gone = readable_entry({**entry, "action": "delete", "after": None, "job_id": 3})
    assert gone["after"] == "deleted"
    assert gone["action"] == "Delete user (bulk job 3)"


def test_units_are_frozen_data() -> None:
    conf = action("activate").confirmation(row_in(Status.OFFLINE, active=False), None)
    assert conf is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        conf.question = "x"  # type: ignore[misc]  # what the test checks: it is refused


@pytest.mark.parametrize(
    ("target_role", "kind"), [("admin", "an admin"), ("supervisor", "a supervisor")]
)
def test_a_supervisor_sees_actions_on_staff_accounts_disabled_with_the_reason(
    target_role: str, kind: str
) -> None:
    """docs/rules.md, "Supervisors act on agents": the server refuses it (403); the menu says
    so before anything is sent. Details stay open to read."""
    items = {i.key: i for i in menu_items(row_in(Status.BUSY, role=target_role), "supervisor")}
    for key in ("reset-dialer", "logout", "logout-session", "set-status"):
        assert not items[key].enabled, key
        assert items[key].reason == (
            f"Only an admin can act on {kind}'s account; supervisors act on agents."
        )
    assert items["details"].enabled
    assert items["activity"].enabled
    as_admin = {i.key: i for i in menu_items(row_in(Status.BUSY, role=target_role), "admin")}
    assert as_admin["reset-dialer"].enabled
