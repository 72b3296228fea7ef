"""Drive the installed programs as a user does: a real X server (Xvfb), the installed
`supervisor-console` and `contact-center` executables as subprocesses, and the keyboard
from outside the process (xdotool, through the XTEST extension).

The console is observed through what it shows: window titles and X windows (xdotool), a
screenshot (ImageMagick's `import`), and the JSON that its UI probe writes when
SUPERVISOR_CONSOLE_UI_PROBE is set (visible texts, focus, panel counts). Nothing here
calls into the console's code.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

BIN = Path(sys.executable).parent
HERE = Path(__file__).resolve().parent
TOOLS = ("Xvfb", "xdotool", "import")
SCREEN = "1280x800x24"
MAIN_TITLE = "Supervisor Console"  # the main window's title starts so
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the test process dies, even by SIGKILL (CI's
    kill guard), so that no Xvfb, backend or console outlives the run (Linux prctl)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], Any], what: str, timeout: float = 10.0, step: float = 0.05) -> Any:
    """Poll `check` until it returns something true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(step)


# ---- the X server -----------------------------------------------------------------------


class Display:
    """A private Xvfb; `name` is its DISPLAY."""

    def __init__(self) -> None:
        read, write = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", SCREEN, "-nolisten", "tcp"],
            pass_fds=(write,),
            preexec_fn=_die_with_parent,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            self.proc.kill()
            raise RuntimeError("Xvfb did not start")
        self.name = f":{number}"

    def env(self) -> dict[str, str]:
        return {**os.environ, "DISPLAY": self.name}

    def xdotool(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            ["xdotool", *args], env=self.env(), capture_output=True, text=True, timeout=20
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"xdotool {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def screenshot(self, path: Path) -> None:
        subprocess.run(
            ["import", "-window", "root", str(path)], env=self.env(), timeout=20, check=False
        )

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# ---- the backend ------------------------------------------------------------------------


class Backend:
    """`contact-center serve` on a loopback port, over a database the test prepared."""

    def __init__(
        self, db: Path, admin_pw: str, super_pw: str, log: Path, extra: Sequence[str] = ()
    ) -> None:
        self.db, self.admin_pw, self.super_pw, self.log = db, admin_pw, super_pw, log
        self.extra = list(extra)  # more `serve` options, e.g. --require-2fa supervisor
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [
            str(BIN / "contact-center"), "serve", "--db", str(self.db), "--port", str(self.port),
            "--admin-password", self.admin_pw, "--supervisor-password", self.super_pw,
            *self.extra,
        ]  # fmt: skip
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent
            )
        wait_for(self.healthy, "the backend to answer", timeout=30)

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        """The backend dies at once (SIGKILL), as on a crash or a pulled plug."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:  # long polls still waiting server-side may hold a graceful stop for 25 s
                self.proc.wait(1)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
            self.proc = None

    def token(self, username: str = "admin") -> str:
        password = self.admin_pw if username == "admin" else self.super_pw
        answer = httpx.post(
            f"{self.url}/api/v1/auth/login",
            json={"username": username, "password": password},
            timeout=10,
        )
        answer.raise_for_status()
        return str(answer.json()["token"])

    def post(self, path: str, token: str, body: Any = None) -> Any:
        answer = httpx.post(
            f"{self.url}/api/v1{path}", json=body if body is not None else {},
            headers={"Authorization": f"Bearer {token}"}, timeout=10,
        )  # fmt: skip
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def get(self, path: str, token: str) -> Any:
        answer = httpx.get(
            f"{self.url}/api/v1{path}", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        answer.raise_for_status()
        return answer.json()


# ---- the console ------------------------------------------------------------------------


class Console:
    """The installed `supervisor-console` on `display`, with its own home and keyring."""

    def __init__(self, display: Display, home: Path, artifacts: Path) -> None:
        self.display = display
        self.home = home
        self.artifacts = artifacts
        self.probe = home / "ui-state.json"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = artifacts / "console.log"
        self.started_at = 0.0

    def env(self) -> dict[str, str]:
        env = self.display.env()
        env.update(
            HOME=str(self.home),
            XDG_CONFIG_HOME=str(self.home / "config"),
            XDG_DATA_HOME=str(self.home / "data"),
            XDG_RUNTIME_DIR=str(self.home / "run"),
            SUPERVISOR_CONSOLE_UI_PROBE=str(self.probe),
            # A headless keyring for this process only (never the user's default): a file
            # under the test's home; the console refuses keyrings.alt, which this is not.
            PYTHON_KEYRING_BACKEND="e2e_keyring.FileKeyring",
            E2E_KEYRING_FILE=str(self.home / "keyring.json"),
            PYTHONPATH=os.pathsep.join(p for p in (str(HERE), env.get("PYTHONPATH")) if p),
        )
        env.pop("QT_QPA_PLATFORM", None)  # a real X window, not offscreen
        return env

    def start(self, *args: str) -> None:
        for sub in ("config", "data", "run"):
            (self.home / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
        self.probe.unlink(missing_ok=True)
        self.started_at = time.monotonic()
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(BIN / "supervisor-console"), *args],
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )

    # -- what the user sees --

    def state(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.probe.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return {"windows": [], "focus": None}

    def window(self, title_start: str) -> dict[str, Any] | None:
        for window in self.state()["windows"]:
            if str(window["title"]).startswith(title_start):
                return dict(window)
        return None

    def wait_window(
        self,
        title_start: str,
        check: Callable[[dict[str, Any]], Any] = bool,
        timeout: float = 15,
        what: str = "",
    ) -> dict[str, Any]:
        def found() -> dict[str, Any] | None:
            self.assert_running()
            window = self.window(title_start)
            return window if window is not None and check(window) else None

        return dict(wait_for(found, what or f"a window {title_start!r} as expected", timeout))

    def main(self) -> dict[str, Any]:
        window = self.window(MAIN_TITLE)
        assert window is not None, "the main window is not shown"
        return window

    def wait_main(
        self, check: Callable[[dict[str, Any]], Any], what: str, timeout: float = 15
    ) -> dict[str, Any]:
        return self.wait_window(MAIN_TITLE, check, timeout, what)

    def focus(self) -> dict[str, Any]:
        return dict(self.state().get("focus") or {})

    def wait_focus(self, name: str, timeout: float = 10) -> None:
        wait_for(lambda: self.focus().get("name") == name, f"focus on {name}", timeout)

    def assert_running(self) -> None:
        assert self.proc is not None
        code = self.proc.poll()
        if code is not None:
            raise AssertionError(f"the console exited with code {code}")

    # -- the keyboard --

    def x_window(self, title_start: str) -> str:
        """The X window id of the console's visible window whose title starts so."""
        assert self.proc is not None
        found = self.display.xdotool(
            "search", "--onlyvisible", "--pid", str(self.proc.pid), "--name", "", check=False
        ).split()
        for wid in found:
            name = self.display.xdotool("getwindowname", wid, check=False).strip()
            if name.startswith(title_start):
                return wid
        raise AssertionError(f"no X window titled {title_start!r}")

    def focus_window(self, title_start: str) -> None:
        """Give the window the keyboard focus, as a click on it would (there is no window
        manager on this display)."""
        wid = wait_for(lambda: self._try_window(title_start), f"X window {title_start!r}")
        self.display.xdotool("windowfocus", "--sync", wid)

    def _try_window(self, title_start: str) -> str | None:
        try:
            return self.x_window(title_start)
        except AssertionError:
            return None

    def type(self, text: str) -> None:
        self.display.xdotool("type", "--delay", "15", "--", text)

    def key(self, *keys: str) -> None:
        for key in keys:
            self.display.xdotool("key", "--delay", "30", key)
            time.sleep(0.05)

    # -- the end --

    def close(self, timeout: float = 15) -> int | None:
        """Close the main window with Ctrl+Q as a user would, wait for the process."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        with contextlib.suppress(AssertionError, RuntimeError):
            for _ in range(3):  # Esc closes what is open over the main window
                dialogs = [w for w in self.state()["windows"] if w["class"] != "MainWindow"]
                if not dialogs:
                    break
                self.focus_window(dialogs[0]["title"])
                self.key("Escape")
                time.sleep(0.2)
            self.focus_window(MAIN_TITLE)
            self.key("ctrl+q")
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
