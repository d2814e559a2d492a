"""``make deploy-local``: the project deployed to a scrapyd of its own and run once on the
bundled mirror, as a production deployment runs it, on this machine, offline.

    python -m tests.deploy_local run  [--articles N] [--per-page N]   # make deploy-local
    python -m tests.deploy_local stop                                 # make deploy-local-stop

``run`` starts (or reuses) two background processes that outlive it, each in a session of
its own so that neither ``make`` nor a Ctrl-C in the terminal ends it:

* scrapyd, bound to 127.0.0.1 on port 6800 (``DEPLOY_LOCAL_PORT``; ``0``: a free port),
  with a config of its own and all its files in one folder;
* the mirror of www.wuhan.gov.cn (``python -m tests.mirror.server``) on a free loopback port.

It then deploys the egg with ``scrapyd-deploy`` and schedules one run of ``wuhan`` on the
mirror with ``python -m govnews.ops.schedule --wait``, exactly the two commands
docs/deploy.md gives for production, and prints the feed, the verdict and how to stop.
Runs are incremental, as scheduled runs are: a second ``run`` on the same mirror finds
nothing new and exports nothing.

Everything goes under one folder, ``DEPLOY_LOCAL_DIR`` (default ``output/scrapyd/`` of
the checkout, which git ignores)::

    scrapyd.conf  scrapyd.pid  scrapyd.log   scrapyd's config, pid, own log
    scrapy.cfg    empty: scrapyd and Scrapy read the closest scrapy.cfg above their working
                  directory, and the checkout's would add a project "default" to scrapyd
    eggs/ dbs/ logs/              scrapyd's eggs, queues, job logs (logs/govnews/wuhan/<job>.log)
    feeds/wuhan/                  the runs' feeds and summaries (GOVNEWS_OUTPUT_DIR)
    state/                        the incremental state store (GOVNEWS_STATE_DIR)
    mirror.pid  mirror.url  mirror.log
    build.cfg  build/  govnews.egg-info/   building the egg: its by-products here, not in the checkout
    home/         HOME of scrapyd and of the deploy: no ~/.scrapyd.conf or ~/.netrc applies

``stop`` cancels scrapyd's jobs, stops scrapyd and the mirror, and leaves the folder as it is.

Exit status of ``run``: that of ``python -m govnews.ops.schedule --wait`` (0 passed, 5 the run
did not pass, …), else 1 when scrapyd, the mirror or the deploy could not be brought up.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

from govnews.ops.schedule import ScheduleError, Scrapyd, judge_job
from tests.scrapyd_harness import clean_environ, free_port

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PROJECT = "govnews"
SPIDER = "wuhan"
DEFAULT_PORT = 6800
# The mirror is ours: no need to be slow with it (as tests/mirror/crawl.py's MIRROR_SETTINGS).
MIRROR_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "GOVNEWS_END_CONFIRM_PAUSE": "0.2",
}
START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0
_ACTIVE_JOB_RE = re.compile(r"\b(?:running|pending) job (\S+)")
_SCHEDULED_JOB_RE = re.compile(r"^scheduled: \S+ job (\S+) ")


class DeployLocalError(Exception):
    """Something could not be brought up or down: one line, exit status 1."""


def local_dir() -> Path:
    """``DEPLOY_LOCAL_DIR`` (absolute, or relative to the working directory), else ``output/scrapyd/``."""
    value = os.environ.get("DEPLOY_LOCAL_DIR")
    return Path(value).resolve() if value else PROJECT_ROOT / "output" / "scrapyd"


def requested_port() -> int:
    value = os.environ.get("DEPLOY_LOCAL_PORT", str(DEFAULT_PORT))
    if not value.isdigit() or int(value) > 65535:
        raise DeployLocalError(f"DEPLOY_LOCAL_PORT={value!r} is not a port number (0: a free one)")
    return int(value)


def display(path: Path) -> str:
    """``path`` relative to the working directory when under it, else absolute."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def say(text: str) -> None:
    print(text, flush=True)


# -- processes of our own -----------------------------------------------------------------


def process_command_line(pid: int) -> str | None:
    """The command line of a live process, or None when there is no such process."""
    proc = Path(f"/proc/{pid}/cmdline")
    if proc.parent.exists():
        try:
            return proc.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            return None
    answer = subprocess.run(["ps", "-p", str(pid), "-o", "command="], capture_output=True, text=True, check=False)
    return answer.stdout.strip() or None


@dataclass(frozen=True)
class Background:
    """A background process of ours, known by its pid file in the local folder."""

    pid_file: Path
    marker: str
    """Text its command line holds: a recycled pid belongs to some other program."""

    def pid(self) -> int | None:
        """The pid when the file names a live process that is ours; a stale file is removed."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        command = process_command_line(pid)
        if command is None or self.marker not in command:
            self.pid_file.unlink(missing_ok=True)
            return None
        return pid

    def start(self, cmd: Sequence[str], *, cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            # A session of its own: it outlives this command, and no Ctrl-C or hang-up of the
            # terminal reaches it. Only stop() ends it.
            process = subprocess.Popen(
                list(cmd), cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.pid_file.write_text(f"{process.pid}\n")
        return process

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """SIGTERM to its process group (the process and what it started), SIGKILL after
        ``timeout``; the pid it had, or None when it was not running."""
        pid = self.pid()
        if pid is None:
            return None
        signal_group(pid, signal.SIGTERM)
        if not wait_group_gone(pid, timeout):
            signal_group(pid, signal.SIGKILL)
            wait_group_gone(pid, 5)
        self.pid_file.unlink(missing_ok=True)
        return pid


def signal_group(pgid: int, signum: signal.Signals) -> None:
    with suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def group_members(pgid: int) -> list[int]:
    """The live (not zombie) processes of a process group: from /proc where there is one."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return []
        except PermissionError:
            pass
        return [pgid]
    members = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 2 and fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def group_alive(pgid: int) -> bool:
    return bool(group_members(pgid))


def wait_group_gone(pgid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while group_alive(pgid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def answers(url: str) -> bool:
    try:
        with urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (URLError, OSError):
        return False


def wait_until_answers(url: str, process: subprocess.Popen[bytes], log: Path, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not answers(url):
        if process.poll() is not None:
            raise DeployLocalError(
                f"{what} exited ({process.returncode}) on start; its log {display(log)}:\n{tail(log)}"
            )
        if time.monotonic() > deadline:
            raise DeployLocalError(f"{what} not answering at {url} after {START_TIMEOUT:g} s; see {display(log)}")
        time.sleep(0.1)


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# -- the local folder ------------------------------------------------------------------------


@dataclass(frozen=True)
class Local:
    root: Path

    @property
    def scrapyd(self) -> Background:
        return Background(self.root / "scrapyd.pid", "scrapyd")

    @property
    def mirror(self) -> Background:
        return Background(self.root / "mirror.pid", "tests.mirror.server")

    @property
    def config(self) -> Path:
        return self.root / "scrapyd.conf"

    @property
    def feeds(self) -> Path:
        return self.root / "feeds"

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def home(self) -> Path:
        return self.root / "home"

    def scrapyd_port(self) -> int | None:
        """The port in the folder's scrapyd.conf, which the running scrapyd read."""
        try:
            text = self.config.read_text(encoding="utf-8")
        except OSError:
            return None
        match = re.search(r"^http_port\s*=\s*(\d+)\s*$", text, re.MULTILINE)
        return int(match.group(1)) if match else None

    def mirror_url(self) -> str | None:
        try:
            return (self.root / "mirror.url").read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    def prepare(self) -> None:
        for sub in ("eggs", "dbs", "logs", "feeds", "state", "home"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "scrapy.cfg").write_text(
            "# Empty on purpose: scrapyd and Scrapy read the closest scrapy.cfg above their working\n"
            "# directory; without this one they would read the checkout's (see tests/deploy_local.py).\n",
            encoding="utf-8",
        )
        # Where building the egg leaves build/ and govnews.egg-info/ (setuptools reads this
        # file through DIST_EXTRA_CONFIG): here, not in the checkout.
        (self.root / "build.cfg").write_text(
            f"[build]\nbuild_base = {self.root / 'build'}\n[egg_info]\negg_base = {self.root}\n",
            encoding="utf-8",
        )

    def write_config(self, port: int) -> None:
        self.config.write_text(
            "# scrapyd's config for make deploy-local (written by tests/deploy_local.py). scrapyd reads\n"
            "# scrapyd.conf in its working directory, this folder.\n"
            "[scrapyd]\n"
            "bind_address = 127.0.0.1\n"
            f"http_port    = {port}\n"
            f"eggs_dir     = {self.root / 'eggs'}\n"
            f"dbs_dir      = {self.root / 'dbs'}\n"
            f"logs_dir     = {self.root / 'logs'}\n"
            "# Empty: a value would make scrapyd replace the project's FEEDS with its own.\n"
            "items_dir    =\n"
            "jobs_to_keep = 20\n"
            "max_proc     = 2\n"
            "# Start scheduled jobs at once rather than up to 5 s later.\n"
            "poll_interval = 0.5\n"
            "# No authentication: bound to 127.0.0.1, for this machine's users only.\n"
            "username     =\n"
            "password     =\n",
            encoding="utf-8",
        )

    def client_env(self, url: str) -> dict[str, str]:
        """For ``scrapyd-deploy`` and ``govnews.ops.schedule``: the target, no credentials, a HOME of
        the folder's (no ~/.netrc), and the egg's build files in the folder."""
        return clean_environ(
            self.home,
            {
                "SCRAPYD_URL": url,
                "SCRAPYD_USERNAME": "",
                "SCRAPYD_PASSWORD": "",
                "DIST_EXTRA_CONFIG": str(self.root / "build.cfg"),
            },
        )


def venv_bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def shown(cmd: Sequence[str], env: dict[str, str] | None = None) -> str:
    """The command as a user would type it from the checkout: ``.venv/bin/…`` paths relative."""
    parts = []
    for part in cmd:
        path = Path(part)
        parts.append(display(path) if path.is_absolute() and path.exists() else part)
    prefix = " ".join(f"{key}={shlex.quote(value)}" for key, value in (env or {}).items())
    return "$ " + (prefix + " " if prefix else "") + shlex.join(parts)


# -- run ---------------------------------------------------------------------------------------


def ensure_scrapyd(local: Local) -> str:
    """The URL of the folder's scrapyd: the one running, or a new one."""
    wanted = requested_port()
    pid = local.scrapyd.pid()
    port = local.scrapyd_port()
    if pid is not None and port is not None:
        url = f"http://127.0.0.1:{port}/"
        if answers(url + "daemonstatus.json") and wanted in (0, port):
            say(f"scrapyd already running: {url} (pid {pid}); reusing it")
            return url
        why = "listens on another port" if wanted not in (0, port) else "does not answer"
        say(f"scrapyd pid {pid} {why}: restarting it")
        stop_scrapyd(local)
    for _attempt in range(3):
        port = wanted or free_port()
        if not port_free(port):
            raise DeployLocalError(
                f"port {port} on 127.0.0.1 is taken by another program (another scrapyd?); "
                f"choose another: DEPLOY_LOCAL_PORT={port + 1} make deploy-local (0: a free one)"
            )
        local.write_config(port)
        log = local.root / "scrapyd.log"
        # No pid file from twistd (--pidfile=): ours is written at once, and a stale one of
        # twistd's would make it refuse to start.
        process = local.scrapyd.start(
            [sys.executable, "-m", "scrapyd", "--pidfile="], cwd=local.root, env=clean_environ(local.home), log=log
        )
        url = f"http://127.0.0.1:{port}/"
        try:
            wait_until_answers(url + "daemonstatus.json", process, log, "scrapyd")
        except DeployLocalError:
            local.scrapyd.stop(5)
            if wanted or process.returncode is None:
                raise
            continue  # a free port taken between the check and the bind: another one
        say(f"scrapyd started: {url} (pid {process.pid}; config {display(local.config)}, log {display(log)})")
        return url
    raise DeployLocalError("scrapyd did not start on a free port in 3 attempts")


def ensure_mirror(local: Local, articles: int, per_page: int) -> str:
    """The base URL of the folder's mirror: the one running, or a new one."""
    pid = local.mirror.pid()
    url = local.mirror_url()
    if pid is not None and url is not None and answers(url + "/robots.txt"):
        say(f"mirror already running: {url} (pid {pid}); reusing it")
        return url
    if pid is not None:
        local.mirror.stop(5)
    log = local.root / "mirror.log"
    for _attempt in range(3):
        port = free_port()
        cmd = [sys.executable, "-m", "tests.mirror.server", "--articles", str(articles), "--per-page", str(per_page)]
        process = local.mirror.start([*cmd, "--port", str(port)], cwd=PROJECT_ROOT, env=dict(os.environ), log=log)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_answers(url + "/robots.txt", process, log, "the mirror")
        except DeployLocalError:
            local.mirror.stop(5)
            if process.returncode is None:
                raise
            continue
        (local.root / "mirror.url").write_text(url + "\n", encoding="utf-8")
        say(f"mirror started: {url} ({articles} articles, {per_page} a page; pid {process.pid})")
        return url
    raise DeployLocalError("the mirror did not start on a free port in 3 attempts")


def deploy(local: Local, url: str) -> None:
    cmd = [venv_bin("scrapyd-deploy")]
    say(shown(cmd, {"SCRAPYD_URL": url, "SCRAPYD_USERNAME": "", "SCRAPYD_PASSWORD": ""}))
    proc = subprocess.run(cmd, cwd=PROJECT_ROOT, env=local.client_env(url), check=False)
    if proc.returncode != 0:
        raise DeployLocalError(f"scrapyd-deploy failed (exit {proc.returncode})")


def schedule_and_wait(local: Local, url: str, mirror_url: str) -> tuple[int, str | None, str]:
    """``python -m govnews.ops.schedule --wait``: its exit status, the job and its verdict line."""
    settings = {
        **MIRROR_SETTINGS,
        "GOVNEWS_OUTPUT_DIR": str(local.feeds),
        "GOVNEWS_STATE_DIR": str(local.state),
    }
    cmd = [sys.executable, "-m", "govnews.ops.schedule", "--wait", "-a", f"base_url={mirror_url}"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    say(shown(cmd, {"SCRAPYD_URL": url}))
    proc = subprocess.run(
        cmd, cwd=PROJECT_ROOT, env=local.client_env(url), stdout=subprocess.PIPE, text=True, check=False
    )
    lines = proc.stdout.splitlines()
    for line in lines:
        say(line)
    first = lines[0] if lines else ""
    scheduled = _SCHEDULED_JOB_RE.match(first)
    if scheduled:
        return proc.returncode, scheduled.group(1), lines[-1] if len(lines) > 1 else ""
    active = _ACTIVE_JOB_RE.search(first) if first.startswith("skipped:") else None
    if active is None:
        return proc.returncode or 1, None, ""
    # A run left active by an interrupted deploy-local: report that one.
    job = active.group(1)
    say(f"waiting for job {job} instead")
    result = judge_job(Scrapyd(url), PROJECT, SPIDER, job)
    say(result.line)
    return result.exit_code, job, result.line


def report(local: Local, url: str, mirror_url: str, job: str | None, verdict_line: str) -> None:
    feeds = sorted((local.feeds / SPIDER).glob(f"{SPIDER}-*-{job}.jsonl")) if job else []
    say("")
    say("deploy-local:")
    say(f"  scrapyd   {url}  (jobs: {url}jobs, config: {display(local.config)})")
    say(f"  mirror    {mirror_url}")
    if job:
        say(f"  job       {job}  (log: {url}logs/{PROJECT}/{SPIDER}/{job}.log)")
    verdict = verdict_line.split(":", 1)[0] if verdict_line else "unknown"
    feed = feeds[0] if feeds else None
    summary = feed.with_name(feed.name + ".summary.json") if feed is not None else None
    count = 0
    if feed is not None:
        with feed.open(encoding="utf-8") as handle:
            count = sum(1 for _ in handle)
    if summary is not None and summary.exists():
        verdict = str(json.loads(summary.read_text(encoding="utf-8")).get("verdict"))
    if feed is not None and count:
        say(f"  JSONL     {display(feed)}  ({count} articles)")
        if summary is not None and summary.exists():
            say(f"  summary   {display(summary)}")
    elif job:
        # No feed file, or an empty one: a run that exports nothing may leave either.
        say(
            f"  JSONL     none: the run exported nothing (runs are incremental: nothing new since the "
            f"last run on this mirror; earlier feeds are in {display(local.feeds / SPIDER)}/)"
        )
    history = local.feeds / SPIDER / "runs.jsonl"
    if history.exists():
        say(f"  history   {display(history)}  (one line a run)")
    say(f"  verdict   {verdict}")
    say("")
    say("scrapyd and the mirror keep running in the background. Stop both with: make deploy-local-stop")
    say(f"(feeds, logs and state stay in {display(local.root)}/; remove that folder to start over)")


def run(articles: int, per_page: int) -> int:
    local = Local(local_dir())
    local.prepare()
    url = ensure_scrapyd(local)
    mirror_url = ensure_mirror(local, articles, per_page)
    deploy(local, url)
    code, job, verdict_line = schedule_and_wait(local, url, mirror_url)
    report(local, url, mirror_url, job, verdict_line)
    return code


# -- stop --------------------------------------------------------------------------------------


def stop_scrapyd(local: Local) -> int | None:
    """Cancel the running jobs (a crawl stops cleanly on scrapyd's SIGINT), then stop scrapyd
    and whatever of its process group is left; the pid it had."""
    pid = local.scrapyd.pid()
    port = local.scrapyd_port()
    if pid is None:
        return None
    if port is not None:
        url = f"http://127.0.0.1:{port}/"
        client = Scrapyd(url, timeout=5)
        try:
            jobs = client.jobs(PROJECT)
            for entry in [*jobs.get("pending", []), *jobs.get("running", [])]:
                client.cancel(PROJECT, str(entry["id"]))
                say(f"cancelled job {entry['id']}")
            deadline = time.monotonic() + STOP_TIMEOUT / 2
            while client.jobs(PROJECT).get("running") and time.monotonic() < deadline:
                time.sleep(0.2)
        except ScheduleError as error:
            # No project deployed yet ("project 'govnews' not found"), or scrapyd not answering.
            say(f"scrapyd: no job cancelled ({error})")
        except OSError as error:
            say(f"scrapyd: no job cancelled ({error})")
    return local.scrapyd.stop()


def stop() -> int:
    local = Local(local_dir())
    scrapyd_pid = stop_scrapyd(local)
    mirror_pid = local.mirror.stop()
    (local.root / "mirror.url").unlink(missing_ok=True)
    say(f"scrapyd: {f'stopped (pid {scrapyd_pid})' if scrapyd_pid else 'not running'}")
    say(f"mirror:  {f'stopped (pid {mirror_pid})' if mirror_pid else 'not running'}")
    if local.root.exists():
        say(f"feeds, logs and state stay in {display(local.root)}/")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.deploy_local", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("action", choices=("run", "stop"), nargs="?", default="run")
    parser.add_argument("--articles", type=int, default=200, help="mirror size when it starts (default 200)")
    parser.add_argument("--per-page", type=int, default=20, help="rows per list page (default 20)")
    opts = parser.parse_args(argv)
    try:
        return run(opts.articles, opts.per_page) if opts.action == "run" else stop()
    except DeployLocalError as error:
        print(f"deploy-local: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
