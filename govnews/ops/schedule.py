"""Schedule a scrapyd run of a spider, unless one of the same spider is pending or running;
with ``--wait``, wait for it and exit non-zero when the run failed.

scrapyd queues every ``schedule.json`` call, so an hourly timer over a crawl that takes
longer than an hour would pile up runs. This command asks ``listjobs.json`` first and
schedules only when the spider has no pending or running job::

    python -m govnews.ops.schedule --wait -a base_url=https://www.wuhan.gov.cn \
        -s GOVNEWS_OUTPUT_DIR=/srv/govnews/output -s GOVNEWS_STATE_DIR=/srv/govnews/state

The server and credentials come from the environment, as for ``scrapyd-deploy``:
``SCRAPYD_URL`` (default ``http://127.0.0.1:6800/``), ``SCRAPYD_USERNAME`` and
``SCRAPYD_PASSWORD`` (else ``~/.netrc`` for the URL's host, else no authentication).
There is deliberately no option for the password: command lines show in ``ps`` and logs.

It prints one line saying what it did. With ``--wait`` and a job scheduled, it then polls
``listjobs.json`` until the job finished and prints a second line with the run's verdict,
read through scrapyd's HTTP API from the job's log (``/logs/<project>/<spider>/<job>.log``):
every run logs its result as one line of JSON (``govnews result: {"verdict": "passed", …}``,
:func:`govnews.ops.health.summary.result_record`), one per site for a ``family`` job. scrapyd
lists every ended job as finished, also one whose crawl died before its checks: no log, or a
log without a result line, is the verdict ``died``. The result line is logged at INFO: a job
run with ``LOG_LEVEL`` WARNING or above logs none, and ``--wait`` cannot read its verdict.

The scrapyd calls go through scrapyd-client's :class:`~scrapyd_client.pyclient.ScrapydClient`
(``listjobs.json``, ``schedule.json``; credentials from ``~/.netrc`` as ``scrapyd-deploy``
reads them), given a timeout and this command's error messages. The job log is no endpoint
of scrapyd's JSON API, so no client has a call for it: it is fetched here, its tail only.

Exit status: 0 scheduled, or skipped because a job is pending or running, or (``--wait``)
the run passed or a user stopped it; 1 scrapyd answered with an error (unknown project or
spider, …); 2 bad usage; 3 scrapyd unreachable or not answering like scrapyd;
4 authentication refused; 5 (``--wait``) the run did not pass: failed, died, unchecked,
or its verdict could not be read; 6 (``--wait-timeout``) the job was still pending or
running when the time was up (it is left running).

The check and the schedule are two requests, not one atomic step: two invocations at the
same instant can both schedule. Wrap it in ``flock -n`` when timers may fire together.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from scrapyd_client.pyclient import HEADERS, ScrapydClient

from govnews.ops.health.summary import RESULT_MARK

DEFAULT_URL = "http://127.0.0.1:6800/"
DEFAULT_PROJECT = "govnews"
DEFAULT_SPIDER = "wuhan"

EXIT_SCRAPYD_ERROR = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_AUTH = 4
EXIT_RUN_FAILED = 5
EXIT_WAIT_TIMEOUT = 6

# Verdicts of a run that --wait does not report as a failure: a user's stop is no failure.
GOOD_VERDICTS = frozenset({"passed", "stopped"})
# Of several results (a family job logs one per site), the one that judges the job.
_WORST_FIRST = ("failed", "bad_argument", "unchecked", "stopped", "passed")
# The result lines end the log: the last 256 KiB hold them, whatever the crawl logged before.
LOG_TAIL_BYTES = 256 * 1024
# Polling listjobs.json: quick at first (short runs), then every 10 s (long ones).
_FIRST_POLL = 0.5
_MAX_POLL = 10.0
# listjobs.json failures in a row tolerated while waiting (a busy or restarting proxy).
_POLL_RETRIES = 5

# Parameters ``schedule.json`` consumes itself, or keys of its job message: a spider
# argument with one of these names would be taken by scrapyd, not passed to the spider.
RESERVED_ARGUMENTS = frozenset(
    {"project", "spider", "setting", "settings", "jobid", "priority", "_version", "_job", "name"}
)


class ScheduleError(Exception):
    """A failure worth one line on stderr and a non-zero exit status."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def parse_pair(text: str, option: str) -> tuple[str, str]:
    """``KEY=VALUE`` as a pair; the value may itself contain ``=``.

    >>> parse_pair("base_url=http://127.0.0.1:8000/?a=b", "-a")
    ('base_url', 'http://127.0.0.1:8000/?a=b')
    >>> parse_pair("DOWNLOAD_DELAY", "-s")
    Traceback (most recent call last):
    ...
    govnews.ops.schedule.ScheduleError: -s 'DOWNLOAD_DELAY' is not KEY=VALUE
    """
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ScheduleError(f"{option} {text!r} is not KEY=VALUE", EXIT_USAGE)
    return key.strip(), value


def active_jobs(listing: Mapping[str, Any], spider: str) -> list[tuple[str, str]]:
    """``(state, job id)`` of the spider's pending and running jobs in a ``listjobs.json`` answer.

    >>> active_jobs({"pending": [{"id": "b", "spider": "wuhan"}],
    ...              "running": [{"id": "a", "spider": "wuhan"}, {"id": "c", "spider": "other"}],
    ...              "finished": [{"id": "d", "spider": "wuhan"}]}, "wuhan")
    [('running', 'a'), ('pending', 'b')]
    """
    return [
        (state, str(job.get("id")))
        for state in ("running", "pending")
        for job in listing.get(state) or []
        if isinstance(job, Mapping) and job.get("spider") == spider
    ]


def normalize_url(url: str) -> str:
    """The scrapyd root URL, ending in ``/`` so that endpoints join under any path prefix.

    >>> normalize_url("http://scrapyd.internal:6800")
    'http://scrapyd.internal:6800/'
    >>> normalize_url("https://example.org/scrapyd")
    'https://example.org/scrapyd/'
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ScheduleError(f"scrapyd URL {url!r} is not an http(s) URL", EXIT_USAGE)
    if parts.username is not None or parts.password is not None:
        raise ScheduleError(
            "the scrapyd URL must not carry credentials; set SCRAPYD_USERNAME and SCRAPYD_PASSWORD instead",
            EXIT_USAGE,
        )
    url = url.strip()
    return url if url.endswith("/") else url + "/"


class Scrapyd(ScrapydClient):  # type: ignore[misc]  # scrapyd-client ships no type hints
    """scrapyd-client's client with a timeout on every request and errors as :class:`ScheduleError`
    (scrapyd-client waits forever and raises ``requests``' own errors), plus the job log."""

    def __init__(self, url: str, username: str = "", password: str = "", timeout: float = 30.0) -> None:
        # scrapyd-client joins "<url>/<endpoint>.json"; credentials: these, else ~/.netrc, else none.
        super().__init__(url.rstrip("/"), username=username, password=password)
        self.root = url
        self.timeout = timeout

    def _get(self, basename: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        return self._json(basename, self._send("GET", f"{self.url}/{basename}.json", params=params or {}))

    def _post(self, basename: str, data: Any) -> dict[str, Any]:
        return self._json(basename, self._send("POST", f"{self.url}/{basename}.json", data=data))

    def _json(self, endpoint: str, response: requests.Response | None) -> dict[str, Any]:
        assert response is not None
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict) or "status" not in data:
            raise ScheduleError(
                f"{self.root}{endpoint}.json did not answer like scrapyd (not its JSON)", EXIT_UNREACHABLE
            )
        # scrapyd reports its errors with HTTP 200 and status "error".
        if data["status"] != "ok":
            raise ScheduleError(
                f"scrapyd {endpoint}.json failed: {data.get('message') or data['status']}", EXIT_SCRAPYD_ERROR
            )
        return data

    def _send(self, method: str, url: str, *, missing_ok: bool = False, **kwargs: Any) -> requests.Response | None:
        """One request; None for a 404 when ``missing_ok``; any other failure a ScheduleError."""
        endpoint = urlsplit(url).path.rsplit("/", 1)[-1] or urlsplit(url).path
        try:
            response = requests.request(method, url, headers=HEADERS, auth=self.auth, timeout=self.timeout, **kwargs)
        except requests.RequestException as error:  # refused, reset, timed out, bad status line
            raise ScheduleError(f"scrapyd at {self.root} is unreachable: {error}", EXIT_UNREACHABLE) from None
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code in (401, 403):
            hint = "wrong SCRAPYD_USERNAME/SCRAPYD_PASSWORD" if self.auth else "set SCRAPYD_USERNAME/SCRAPYD_PASSWORD"
            raise ScheduleError(
                f"scrapyd at {self.root} refused authentication (HTTP {response.status_code}); {hint}", EXIT_AUTH
            )
        if response.status_code >= 400:
            raise ScheduleError(
                f"scrapyd at {self.root} answered {endpoint} with HTTP {response.status_code}", EXIT_UNREACHABLE
            )
        return response

    def job_log(self, project: str, spider: str, job: str, tail: int = LOG_TAIL_BYTES) -> str | None:
        """The end (``tail`` bytes) of the job's log from scrapyd's ``/logs/``; None when there is none."""
        url = self.log_url(project, spider, job)
        head = self._send("HEAD", url, missing_ok=True)
        if head is None:
            return None
        size = int(head.headers.get("Content-Length") or 0)
        # An explicit first byte: twisted answers a suffix range longer than the file with a 500.
        headers = {**HEADERS, "Range": f"bytes={size - tail}-"} if size > tail else HEADERS
        try:
            response = requests.get(url, headers=headers, auth=self.auth, timeout=self.timeout)
        except requests.RequestException as error:
            raise ScheduleError(f"scrapyd at {self.root} is unreachable: {error}", EXIT_UNREACHABLE) from None
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise ScheduleError(
                f"scrapyd at {self.root} answered the job log with HTTP {response.status_code}", EXIT_UNREACHABLE
            )
        return response.content.decode("utf-8", errors="replace")

    def log_url(self, project: str, spider: str, job: str) -> str:
        return f"{self.url}/logs/{project}/{spider}/{job}.log"

    def keeps_logs(self) -> bool:
        """Whether scrapyd serves job logs at all (its ``logs_dir`` is set)."""
        return self._send("HEAD", f"{self.url}/logs/", missing_ok=True) is not None


@dataclass(frozen=True)
class Scheduled:
    """What the schedule step did: the line to print, and the job it scheduled (None: skipped)."""

    line: str
    job: str | None


def schedule_unless_active(
    client: Scrapyd,
    project: str,
    spider: str,
    args: Sequence[tuple[str, str]] = (),
    settings: Sequence[tuple[str, str]] = (),
) -> Scheduled:
    """Schedule one run unless the spider has a pending or running job."""
    active = active_jobs(client.jobs(project), spider)
    if active:
        jobs = ", ".join(f"{state} job {job}" for state, job in active)
        return Scheduled(f"skipped: {project}/{spider} already has {jobs} on {client.root}", None)
    fields = [("setting", f"{key}={value}") for key, value in settings] + list(args)
    job = str(client.schedule(project, spider, fields))
    return Scheduled(f"scheduled: {project}/{spider} job {job} on {client.root}", job)


# -- --wait: the job's end and its verdict ------------------------------------------------


def job_state(listing: Mapping[str, Any], job: str) -> str | None:
    """``pending``, ``running`` or ``finished``: where ``listjobs.json`` lists the job; None if nowhere.

    >>> job_state({"pending": [], "running": [{"id": "a"}], "finished": [{"id": "b"}]}, "b")
    'finished'
    >>> job_state({"pending": [], "running": [], "finished": []}, "b") is None
    True
    """
    for state in ("finished", "running", "pending"):
        if any(isinstance(entry, Mapping) and entry.get("id") == job for entry in listing.get(state) or []):
            return state
    return None


def read_results(log: str) -> list[dict[str, Any]]:
    """The run results the log holds (``govnews result: {…}``, one a site), in order; a line
    cut or garbled is no result.

    >>> read_results('2026-12-01 04:39:00 [govnews.ops.health.summary] INFO: govnews result: '
    ...              '{"verdict": "failed", "site": "wuhan"}\\nHealth checks PASSED\\n')
    [{'verdict': 'failed', 'site': 'wuhan'}]
    >>> read_results('INFO: govnews result: {"verdict": "pas')
    []
    """
    results = []
    for line in log.splitlines():
        _, mark, rest = line.partition(RESULT_MARK)
        if not mark:
            continue
        try:
            record = json.loads(rest)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("verdict"), str):
            results.append(record)
    return results


def worst(results: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The result that judges a job of several: failed before unchecked before stopped before passed.

    >>> worst([{"verdict": "passed"}, {"verdict": "failed", "site": "a"}, {"verdict": "stopped"}])["site"]
    'a'
    """
    rank = {verdict: i for i, verdict in enumerate(_WORST_FIRST)}
    return min(results, key=lambda r: rank.get(r["verdict"], 0))


@dataclass(frozen=True)
class RunVerdict:
    """How a waited-for job ended: its verdict, the line to print and the exit status."""

    verdict: str
    """``passed``, ``failed``, ``stopped``, ``bad_argument``, ``unchecked`` (from the health block), ``died`` (no
    health block), ``unknown`` (no way to read it), ``timeout`` (still running)."""
    line: str
    failed_checks: tuple[str, ...] = ()

    @property
    def exit_code(self) -> int:
        if self.verdict in GOOD_VERDICTS:
            return 0
        return EXIT_WAIT_TIMEOUT if self.verdict == "timeout" else EXIT_RUN_FAILED


def wait_for_job(
    client: Scrapyd,
    project: str,
    job: str,
    timeout: float | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> str | None:
    """Poll ``listjobs.json`` until the job is finished: ``finished``, the state it was still in when
    ``timeout`` seconds passed, or None when scrapyd stopped listing it."""
    deadline = None if timeout is None else clock() + timeout
    interval = _FIRST_POLL
    failures = 0
    while True:
        try:
            state = job_state(client.jobs(project), job)
            failures = 0
        except ScheduleError as error:
            failures += 1
            if error.exit_code != EXIT_UNREACHABLE or failures > _POLL_RETRIES:
                raise
            state = "unreachable"
        if state in ("finished", None):
            return state
        if deadline is not None and clock() >= deadline:
            return state
        pause = interval if deadline is None else max(0.0, min(interval, deadline - clock()))
        sleep(pause)
        interval = min(interval * 1.5, _MAX_POLL)


def judge_job(client: Scrapyd, project: str, spider: str, job: str, timeout: float | None = None) -> RunVerdict:
    """Wait for the job to end, then read its verdict from its log, over scrapyd's HTTP API only."""
    name = f"{project}/{spider} job {job}"
    state = wait_for_job(client, project, job, timeout)
    if state is None:
        return RunVerdict(
            "unknown", f"unknown: {name} is no longer listed by scrapyd (cancelled while pending, or scrapyd restarted)"
        )
    if state != "finished":
        return RunVerdict(
            "timeout", f"timeout: {name} not finished after {timeout:g} s (last seen {state}); it is left running"
        )
    log_url = client.log_url(project, spider, job)
    log = client.job_log(project, spider, job)
    if log is None:
        if not client.keeps_logs():
            return RunVerdict(
                "unknown", f"unknown: {name} finished; scrapyd keeps no job logs (logs_dir empty): no verdict to read"
            )
        return RunVerdict(
            "died",
            f"died: {name} ended before its log began (a bad spider argument or setting, a locked state store, "
            f"a crash at start): its reason is in scrapyd's own log",
        )
    results = read_results(log)
    if not results:
        return RunVerdict("died", f"died: {name} ended without its result line (the crawl died); see its log {log_url}")
    judge = worst(results)
    verdict = judge["verdict"]
    failed_checks = tuple(
        f"Health check {check.get('name')} failed: {check.get('message')}"
        + (f" (site {result.get('site')})" if len(results) > 1 else "")
        for result in results
        for check in result.get("failed_checks") or ()
        if isinstance(check, Mapping)
    )
    if len(results) == 1:
        return RunVerdict(verdict, f"{verdict}: {name}: {judge.get('headline')} (log: {log_url})", failed_checks)
    failing = [str(r.get("site")) for r in results if r["verdict"] not in GOOD_VERDICTS]
    counts = f"{len(results) - len(failing)} of {len(results)} sites passed"
    if failing:
        counts += f"; not passed: {', '.join(failing)}"
    return RunVerdict(verdict, f"{verdict}: {name}: {counts} (log: {log_url})", failed_checks)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m govnews.ops.schedule",
        description="Schedule a scrapyd run of a spider unless one of the same spider is pending or running. "
        "Credentials come from SCRAPYD_USERNAME/SCRAPYD_PASSWORD (or ~/.netrc), never from the command line.",
    )
    parser.add_argument("--url", help=f"scrapyd root URL (default: $SCRAPYD_URL, else {DEFAULT_URL})")
    parser.add_argument("--project", default=DEFAULT_PROJECT, help="scrapyd project (default: %(default)s)")
    parser.add_argument("--spider", default=DEFAULT_SPIDER, help="spider to run (default: %(default)s)")
    parser.add_argument(
        "-a", dest="args", action="append", default=[], metavar="NAME=VALUE", help="spider argument (repeatable)"
    )
    parser.add_argument(
        "-s", dest="settings", action="append", default=[], metavar="NAME=VALUE", help="Scrapy setting (repeatable)"
    )
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds to wait for each scrapyd answer (default: %(default)s)"
    )
    parser.add_argument(
        "--wait",
        action="store_true",
        help="wait for the scheduled job to finish, print its verdict, and exit 5 unless it passed or was stopped",
    )
    parser.add_argument(
        "--wait-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="with --wait: give up waiting after this long, exit 6, leave the job running (default: no limit)",
    )
    return parser


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    environ = os.environ if environ is None else environ
    parser = build_parser()
    opts = parser.parse_args(argv)
    try:
        args = [parse_pair(text, "-a") for text in opts.args]
        reserved = sorted({key for key, _ in args} & RESERVED_ARGUMENTS)
        if reserved:
            raise ScheduleError(
                f"-a {', '.join(reserved)}: reserved by scrapyd's schedule.json, not passable as spider arguments",
                EXIT_USAGE,
            )
        settings = [parse_pair(text, "-s") for text in opts.settings]
        if opts.timeout <= 0:
            raise ScheduleError("--timeout must be positive", EXIT_USAGE)
        if opts.wait_timeout is not None and (not opts.wait or opts.wait_timeout <= 0):
            raise ScheduleError("--wait-timeout needs --wait and a positive number of seconds", EXIT_USAGE)
        url = normalize_url(opts.url or environ.get("SCRAPYD_URL") or DEFAULT_URL)
        client = Scrapyd(url, environ.get("SCRAPYD_USERNAME", ""), environ.get("SCRAPYD_PASSWORD", ""), opts.timeout)
        scheduled = schedule_unless_active(client, opts.project, opts.spider, args, settings)
        print(scheduled.line, flush=True)
        if opts.wait and scheduled.job is not None:
            # Skipped: the job already active is judged by the invocation that scheduled it.
            result = judge_job(client, opts.project, opts.spider, scheduled.job, opts.wait_timeout)
            print(result.line, flush=True)
            for line in result.failed_checks:
                print(line, file=sys.stderr)
            return result.exit_code
    except ScheduleError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
