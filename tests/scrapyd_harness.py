"""A real scrapyd for tests: started as a subprocess on a free loopback port, with its own
``scrapyd.conf``, directories, working directory and HOME, all under one temporary directory.

Nothing here reads or writes the user's scrapyd or scrapy configuration: every subprocess
(scrapyd, ``scrapyd-deploy``, ``python -m govnews.ops.schedule``) gets a HOME inside the
temporary directory, and ``SCRAPYD_*`` variables of the calling environment are dropped::

    with start_scrapyd(tmp_path) as scrapyd:
        scrapyd.deploy()
        job = scrapyd.schedule(args={"base_url": mirror.base_url}, settings=scrapyd.fast_settings(out))
        scrapyd.wait_for_job(job)
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PROJECT = "govnews"
SPIDER = "wuhan"

# Tests lift the politeness limits by settings, never by editing govnews/settings.py.
FAST_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "LOG_LEVEL": "INFO",
    "GOVNEWS_END_CONFIRM_PAUSE": "0",
}
# Variables that would steer scrapyd, scrapyd-deploy, scrapy or Python away from the test setup.
_DROPPED_ENV_PREFIXES = ("SCRAPYD_", "SCRAPY_")
_DROPPED_ENV = ("PYTHONPATH", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")
_JOB_ID_RE = re.compile(r"\bjob ([0-9A-Za-z_-]+)\b")


class ScrapydError(RuntimeError):
    """scrapyd did not start, answered with an error, or a job did not end in time."""


def free_port() -> int:
    """A port free on 127.0.0.1 right now (the caller retries if another process takes it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clean_environ(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The calling environment without ``SCRAPYD_*``/``SCRAPY_*``/``PYTHONPATH``, HOME set to ``home``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(_DROPPED_ENV_PREFIXES) and key not in _DROPPED_ENV
    }
    env["HOME"] = str(home)
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra or {})
    return env


def build_config(directory: Path) -> Path:
    """A setuptools config (read through ``DIST_EXTRA_CONFIG``) that puts what building the egg
    leaves, ``build/`` and ``govnews.egg-info/``, in ``directory`` instead of the checkout."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "build.cfg"
    path.write_text(f"[build]\nbuild_base = {directory / 'build'}\n[egg_info]\negg_base = {directory}\n")
    return path


def write_config(
    workdir: Path, port: int, *, username: str | None = None, password: str | None = None, max_proc: int = 4
) -> Path:
    """``scrapyd.conf`` in ``workdir`` (scrapyd reads it from its working directory; so does its runner)."""
    lines = [
        "[scrapyd]",
        "bind_address = 127.0.0.1",
        f"http_port = {port}",
        f"eggs_dir = {workdir / 'eggs'}",
        f"logs_dir = {workdir / 'logs'}",
        f"dbs_dir = {workdir / 'dbs'}",
        # Empty: a value would make scrapyd replace the project's FEEDS with its own.
        "items_dir =",
        "jobs_to_keep = 5",
        f"max_proc = {max_proc}",
        # Pick up scheduled jobs at once rather than after up to 5 s.
        "poll_interval = 0.2",
        # ConfigParser interpolation: a literal % is written %%.
        f"username = {(username or '').replace('%', '%%')}",
        f"password = {(password or '').replace('%', '%%')}",
    ]
    path = workdir / "scrapyd.conf"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class Scrapyd:
    """A running scrapyd subprocess and the client side of the tests."""

    workdir: Path
    port: int
    process: subprocess.Popen[bytes]
    username: str | None = None
    password: str | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def home(self) -> Path:
        return self.workdir / "home"

    @property
    def server_log(self) -> Path:
        return self.workdir / "scrapyd.log"

    # -- The client side -------------------------------------------------------------

    def client_env(self, *, credentials: bool = True) -> dict[str, str]:
        """Environment for ``scrapyd-deploy`` and ``govnews.ops.schedule``: the target and, by
        default, the credentials in ``SCRAPYD_*``; HOME is a temporary one (no ~/.netrc)."""
        extra = {"SCRAPYD_URL": self.url}
        if credentials and self.username is not None:
            extra["SCRAPYD_USERNAME"] = self.username
            extra["SCRAPYD_PASSWORD"] = self.password or ""
        else:
            # Set and empty, so scrapy.cfg's ${SCRAPYD_USERNAME} expands to nothing.
            extra["SCRAPYD_USERNAME"] = ""
            extra["SCRAPYD_PASSWORD"] = ""
        return clean_environ(self.home, extra)

    def request(
        self,
        endpoint: str,
        params: Mapping[str, str] | None = None,
        *,
        post: list[tuple[str, str]] | None = None,
        credentials: bool = True,
        timeout: float = 10,
    ) -> tuple[int, bytes]:
        """One HTTP call to scrapyd: ``(status, body)``, also for error statuses."""
        url = self.url + endpoint + ("?" + urlencode(params) if params else "")
        request = Request(url, data=urlencode(post).encode() if post is not None else None)
        if credentials and self.username is not None:
            token = base64.b64encode(f"{self.username}:{self.password or ''}".encode()).decode("ascii")
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urlopen(request, timeout=timeout) as response:
                return response.status, response.read()
        except HTTPError as error:
            return error.code, error.read()

    def api(
        self, endpoint: str, params: Mapping[str, str] | None = None, *, post: list[tuple[str, str]] | None = None
    ) -> dict[str, Any]:
        """A scrapyd JSON API call that must succeed (status "ok")."""
        status, body = self.request(endpoint, params, post=post)
        data: dict[str, Any] = json.loads(body) if status == 200 else {}
        if data.get("status") != "ok":
            raise ScrapydError(f"{endpoint}: HTTP {status} {body[:500]!r}")
        return data

    def deploy(self, *, credentials: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """``scrapyd-deploy`` from the project root: builds the egg and uploads it to the
        ``[deploy]`` target of scrapy.cfg, whose URL and credentials come from ``client_env``."""
        env = {**self.client_env(credentials=credentials), "DIST_EXTRA_CONFIG": str(build_config(self.workdir))}
        return subprocess.run(
            [scrapyd_deploy_executable(), "--version", f"t{time.time_ns()}"],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def run_schedule_command(
        self,
        *,
        args: Mapping[str, str] | None = None,
        settings: Mapping[str, str] | None = None,
        spider: str = SPIDER,
        credentials: bool = True,
        options: Sequence[str] = (),
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        """``python -m govnews.ops.schedule [options] -a k=v … -s K=V …`` as a subprocess."""
        cmd = [sys.executable, "-m", "govnews.ops.schedule", "--project", PROJECT, "--spider", spider, *options]
        for key, value in (args or {}).items():
            cmd += ["-a", f"{key}={value}"]
        for key, value in (settings or {}).items():
            cmd += ["-s", f"{key}={value}"]
        return subprocess.run(
            cmd,
            cwd=PROJECT_ROOT,
            env=self.client_env(credentials=credentials),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def schedule(
        self, *, args: Mapping[str, str] | None = None, settings: Mapping[str, str] | None = None, spider: str = SPIDER
    ) -> str:
        """Schedule with the command; the job id (fails if it did not schedule)."""
        proc = self.run_schedule_command(args=args, settings=settings, spider=spider)
        match = _JOB_ID_RE.search(proc.stdout)
        if proc.returncode != 0 or not proc.stdout.startswith("scheduled:") or match is None:
            raise ScrapydError(f"schedule failed ({proc.returncode}): {proc.stdout}{proc.stderr}")
        return match.group(1)

    def jobs(self) -> dict[str, list[dict[str, Any]]]:
        data = self.api("listjobs.json", {"project": PROJECT})
        return {state: data[state] for state in ("pending", "running", "finished")}

    def job_state(self, job: str) -> str | None:
        for state, entries in self.jobs().items():
            if any(entry["id"] == job for entry in entries):
                return state
        return None

    def wait_for_job(self, job: str, *, state: str = "finished", timeout: float = 120) -> None:
        """Poll ``listjobs.json`` until the job is in ``state`` (finished, running)."""
        deadline = time.monotonic() + timeout
        while (current := self.job_state(job)) != state:
            if time.monotonic() > deadline:
                raise ScrapydError(f"job {job} still {current} after {timeout}s; log:\n{self.job_log(job)[-3000:]}")
            if self.process.poll() is not None:
                raise ScrapydError(f"scrapyd exited ({self.process.returncode}):\n{self.server_log_text()[-3000:]}")
            time.sleep(0.2)

    def job_log(self, job: str, spider: str = SPIDER) -> str:
        path = self.workdir / "logs" / PROJECT / spider / f"{job}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def server_log_text(self) -> str:
        return self.server_log.read_text(encoding="utf-8", errors="replace") if self.server_log.exists() else ""

    def egg_import_origin(self, module: str = "govnews", timeout: float = 60) -> str:
        """Where the crawl process imports ``module`` from: scrapyd's runner activates the
        project's latest egg in scrapyd's working directory and environment, as for a job."""
        code = (
            "import importlib, os\n"
            "from scrapyd.runner import project_environment\n"
            "with project_environment(os.environ['SCRAPY_PROJECT']):\n"
            f"    print(importlib.import_module({module!r}).__file__)\n"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code],
            cwd=self.workdir,
            env=clean_environ(self.home, {"SCRAPY_PROJECT": PROJECT}),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if proc.returncode != 0:
            raise ScrapydError(f"runner import failed: {proc.stderr[-2000:]}")
        return proc.stdout.strip()

    # -- Shutting down -----------------------------------------------------------------

    def cancel_all(self, timeout: float = 30) -> None:
        """Cancel every pending and running job and wait for the crawls to end; a crawl that
        ignores two SIGINTs (Scrapy's graceful, then forced, stop) is killed by its pid."""
        try:
            jobs = self.jobs()
        except (ScrapydError, OSError, ValueError):
            return
        for entry in jobs["pending"] + jobs["running"]:
            with suppress(ScrapydError, OSError):
                self.api("cancel.json", post=[("project", PROJECT), ("job", entry["id"])])
        deadline = time.monotonic() + timeout
        second_signal_sent = False
        while True:
            try:
                running = self.jobs()["running"]
            except (ScrapydError, OSError, ValueError):
                return
            if not running:
                return
            if not second_signal_sent and time.monotonic() > deadline - timeout / 2:
                for entry in running:
                    with suppress(ScrapydError, OSError):
                        self.api("cancel.json", post=[("project", PROJECT), ("job", entry["id"])])
                second_signal_sent = True
            if time.monotonic() > deadline:
                for entry in running:
                    if entry.get("pid"):
                        with suppress(OSError):
                            os.kill(int(entry["pid"]), signal.SIGKILL)
                return
            time.sleep(0.2)

    def stop(self, timeout: float = 15) -> None:
        """Cancel jobs, then SIGTERM scrapyd, wait, and SIGKILL it if it does not exit in time."""
        if self.process.poll() is None:
            self.cancel_all()
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)


def scrapyd_deploy_executable() -> str:
    """The ``scrapyd-deploy`` script of the running interpreter's environment."""
    script = Path(sys.executable).parent / "scrapyd-deploy"
    if not script.exists():
        raise ScrapydError(f"{script} not found; install the project's 'deploy' extra (scrapyd-client)")
    return str(script)


def build_egg(
    dest: Path, home: Path, *, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``scrapyd-deploy --build-egg=dest``: the egg exactly as a deploy would upload it
    (``env`` adds variables, e.g. deploy credentials, to the clean environment)."""
    build = {"DIST_EXTRA_CONFIG": str(build_config(dest.parent / "egg-build"))}
    return subprocess.run(
        [scrapyd_deploy_executable(), f"--build-egg={dest}"],
        cwd=PROJECT_ROOT,
        env=clean_environ(home, {**build, **(env or {})}),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _wait_until_up(scrapyd: Scrapyd, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if scrapyd.process.poll() is not None:
            raise ScrapydError(
                f"scrapyd exited ({scrapyd.process.returncode}) on start:\n{scrapyd.server_log_text()[-3000:]}"
            )
        try:
            status, _ = scrapyd.request("daemonstatus.json", timeout=2)
        except (URLError, OSError):
            status = 0
        if status == 200:
            return
        if time.monotonic() > deadline:
            raise ScrapydError(f"scrapyd not answering after {timeout}s:\n{scrapyd.server_log_text()[-3000:]}")
        time.sleep(0.1)


@contextmanager
def start_scrapyd(
    base_dir: Path,
    *,
    username: str | None = None,
    password: str | None = None,
    max_proc: int = 4,
    startup_timeout: float = 30,
    attempts: int = 3,
    env: Mapping[str, str] | None = None,
) -> Iterator[Scrapyd]:
    """Run scrapyd in ``base_dir`` (its working directory, config, eggs, logs, dbs, HOME)
    for the ``with`` block; stopped cleanly at the end, whatever happens inside. ``env``
    adds variables to scrapyd's environment, which its jobs inherit (``REDIS_URL``)."""
    base_dir.mkdir(parents=True, exist_ok=True)
    # scrapyd and Scrapy both read the closest scrapy.cfg above their working directory.
    stray = [parent / "scrapy.cfg" for parent in base_dir.resolve().parents if (parent / "scrapy.cfg").exists()]
    if stray:
        raise ScrapydError(f"{stray[0]} is above {base_dir}: scrapyd would read it; use a temp dir outside projects")
    (base_dir / "home").mkdir(exist_ok=True)
    scrapyd: Scrapyd | None = None
    for attempt in range(attempts):
        port = free_port()
        write_config(base_dir, port, username=username, password=password, max_proc=max_proc)
        (base_dir / "twistd.pid").unlink(missing_ok=True)
        with (base_dir / "scrapyd.log").open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "scrapyd"],
                cwd=base_dir,
                env=clean_environ(base_dir / "home", env),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        scrapyd = Scrapyd(base_dir, port, process, username, password)
        try:
            _wait_until_up(scrapyd, startup_timeout)
            break
        except ScrapydError:
            exited_by_itself = process.poll() is not None
            scrapyd.stop()
            # Another process may have taken the port between free_port() and the bind.
            if attempt == attempts - 1 or not exited_by_itself:
                raise
    assert scrapyd is not None
    try:
        yield scrapyd
    finally:
        scrapyd.stop()
