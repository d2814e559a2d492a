"""``-a probe=1``: one list page and two articles per column, a report, nothing exported."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import FAST_SETTINGS, crawl_command, run_command, run_on_terminal
from tests.mirror.server import MirrorServer
from tests.mirror.site import MirrorSite

DEFAULT_SECTIONS = ("/sy/whyw/", "/sy/kwh/", "/zwgk/tzgg/", "/zwgk/xxgk/zcjd/")


def test_probe_reports_selectors_and_exports_nothing(
    mirror: MirrorServer, mirror_site: MirrorSite, tmp_path: Path
) -> None:
    mirror.clear_requests()
    settings = {
        **FAST_SETTINGS,
        "GOVNEWS_OUTPUT_DIR": str(tmp_path / "output"),
        "GOVNEWS_STATE_DIR": str(tmp_path / "state"),
    }
    cmd = crawl_command(f"base_url={mirror.base_url}", "probe=1", settings=settings)
    proc = run_command(cmd)
    assert proc.returncode == 0, proc.stderr[-3000:]

    report = proc.stdout
    assert report.startswith(f"govnews probe of {mirror.base_url} (nothing exported)")
    for section in DEFAULT_SECTIONS:
        assert f"column {section}" in report
    assert f"pager createPageHTML ({len(mirror_site.column('/sy/whyw/').list_pages)} pages)" in report
    assert "pager countPage" in report
    assert report.count("      body: TRS_") == 2 * len(DEFAULT_SECTIONS)
    assert "meta tags: SiteName" in report
    assert "policy header: 索引号" in report
    # The attachment kinds met, by article and by column (by extension: the probe downloads no file).
    assert report.count("      attachments: ") == 2 * len(DEFAULT_SECTIONS)
    assert report.count("; attachments ") == len(DEFAULT_SECTIONS)

    assert not (tmp_path / "output").exists()
    assert not (tmp_path / "state").exists()
    lists = [p for p in mirror.requests if "/index" in p]
    articles = [p for p in mirror.requests if "/t20" in p]
    assert sorted(lists) == sorted(f"{s}index.shtml" for s in DEFAULT_SECTIONS)
    assert len(articles) == 2 * len(DEFAULT_SECTIONS)


def test_on_a_terminal_the_probe_report_shows_once(mirror: MirrorServer, tmp_path: Path) -> None:
    settings = {**FAST_SETTINGS, "GOVNEWS_OUTPUT_DIR": str(tmp_path / "output")}
    cmd = crawl_command(f"base_url={mirror.base_url}", "probe=1", "sections=sy/whyw", settings=settings)
    code, screen = run_on_terminal(cmd)
    assert code == 0
    assert screen.count(f"govnews probe of {mirror.base_url}") == 1
