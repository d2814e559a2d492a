"""Schedule a scrapyd run of a spider, unless one of the same spider is pending or running.

scrapyd queues every ``schedule.json`` call, so an hourly timer over a crawl that takes
longer than an hour would pile up runs. This command asks ``listjobs.json`` first and
schedules only when the spider has no pending or running job::

    python -m govnews.schedule -a base_url=https://www.wuhan.gov.cn -s GOVNEWS_OUTPUT_DIR=/srv/govnews/output

The server and credentials come from the environment, as for ``scrapyd-deploy``:
``SCRAPYD_URL`` (default ``http://127.0.0.1:6800/``), ``SCRAPYD_USERNAME`` and
``SCRAPYD_PASSWORD`` (else ``~/.netrc`` for the URL's host, else no authentication).
There is deliberately no option for the password: command lines show in ``ps`` and logs.

It prints one line saying what it did. Exit status: 0 scheduled, or skipped because a job
is pending or running; 1 scrapyd answered with an error (unknown project or spider, …);
2 bad usage; 3 scrapyd unreachable or not answering like scrapyd; 4 authentication refused.

The check and the schedule are two requests, not one atomic step: two invocations at the
same instant can both schedule. Wrap it in ``flock -n`` when timers may fire together.
"""

from __future__ import annotations

import argparse
import base64
import json
import netrc
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode, urljoin, urlsplit
from urllib.request import Request, urlopen

DEFAULT_URL = "http://127.0.0.1:6800/"
DEFAULT_PROJECT = "govnews"
DEFAULT_SPIDER = "wuhan"

EXIT_SCRAPYD_ERROR = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_AUTH = 4

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
    govnews.schedule.ScheduleError: -s 'DOWNLOAD_DELAY' is not KEY=VALUE
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


def credentials(url: str, environ: Mapping[str, str]) -> tuple[str, str] | None:
    """From ``SCRAPYD_USERNAME``/``SCRAPYD_PASSWORD``, else ``~/.netrc``, else none."""
    username = environ.get("SCRAPYD_USERNAME", "")
    if username:
        return username, environ.get("SCRAPYD_PASSWORD", "")
    host = urlsplit(url).hostname
    try:
        entry = netrc.netrc().authenticators(host or "")
    except (OSError, netrc.NetrcParseError):
        return None
    if entry is None or not entry[0]:
        return None
    return entry[0], entry[2] or ""


@dataclass(frozen=True)
class ScrapydClient:
    """The two scrapyd endpoints this command needs, over ``urllib``."""

    url: str
    auth: tuple[str, str] | None = None
    timeout: float = 30.0

    def list_jobs(self, project: str) -> dict[str, Any]:
        return self._call(Request(urljoin(self.url, "listjobs.json") + "?" + urlencode({"project": project})))

    def schedule(
        self, project: str, spider: str, args: Sequence[tuple[str, str]], settings: Sequence[tuple[str, str]]
    ) -> dict[str, Any]:
        fields = [("project", project), ("spider", spider)]
        fields += [("setting", f"{key}={value}") for key, value in settings]
        fields += list(args)
        body = urlencode(fields).encode()
        return self._call(Request(urljoin(self.url, "schedule.json"), data=body, method="POST"))

    def _call(self, request: Request) -> dict[str, Any]:
        endpoint = urlsplit(request.full_url).path.rsplit("/", 1)[-1]
        if self.auth is not None:
            token = base64.b64encode(f"{self.auth[0]}:{self.auth[1]}".encode()).decode("ascii")
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urlopen(request, timeout=self.timeout) as response:
                raw: bytes = response.read()
        except HTTPError as error:
            if error.code in (401, 403):
                hint = (
                    "wrong SCRAPYD_USERNAME/SCRAPYD_PASSWORD" if self.auth else "set SCRAPYD_USERNAME/SCRAPYD_PASSWORD"
                )
                raise ScheduleError(
                    f"scrapyd at {self.url} refused authentication (HTTP {error.code}); {hint}", EXIT_AUTH
                ) from None
            raise ScheduleError(
                f"scrapyd at {self.url} answered {endpoint} with HTTP {error.code}", EXIT_UNREACHABLE
            ) from None
        except (OSError, HTTPException) as error:  # URLError, timeouts, resets, bad status lines
            reason = getattr(error, "reason", error)
            raise ScheduleError(f"scrapyd at {self.url} is unreachable: {reason}", EXIT_UNREACHABLE) from None
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if not isinstance(data, dict) or "status" not in data:
            raise ScheduleError(f"{self.url}{endpoint} did not answer like scrapyd (not its JSON)", EXIT_UNREACHABLE)
        # scrapyd reports its errors with HTTP 200 and status "error".
        if data["status"] != "ok":
            raise ScheduleError(
                f"scrapyd {endpoint} failed: {data.get('message') or data['status']}", EXIT_SCRAPYD_ERROR
            )
        return data


def schedule_unless_active(
    client: ScrapydClient,
    project: str,
    spider: str,
    args: Sequence[tuple[str, str]] = (),
    settings: Sequence[tuple[str, str]] = (),
) -> str:
    """Schedule one run unless the spider has a pending or running job; the line to print."""
    active = active_jobs(client.list_jobs(project), spider)
    if active:
        jobs = ", ".join(f"{state} job {job}" for state, job in active)
        return f"skipped: {project}/{spider} already has {jobs} on {client.url}"
    answer = client.schedule(project, spider, args, settings)
    return f"scheduled: {project}/{spider} job {answer.get('jobid')} on {client.url}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m govnews.schedule",
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
        url = normalize_url(opts.url or environ.get("SCRAPYD_URL") or DEFAULT_URL)
        client = ScrapydClient(url, credentials(url, environ), opts.timeout)
        print(schedule_unless_active(client, opts.project, opts.spider, args, settings), flush=True)
    except ScheduleError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
