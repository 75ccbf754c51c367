"""``/reconciliation`` (the latest runs, one run's differences by class) and
``/reports/RUN/KIND`` (that run's HTML, XLSX or CSV report, from ``folders.reports`` only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.responses import FileResponse, Response

from syncd.console.web import Page, page
from syncd.db.recon_store import ReconStore
from syncd.reconcile.classify import ItemClass

KINDS = {
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def report_files(run: dict[str, Any], folder: Path) -> dict[str, Path]:
    """The run's report files that exist inside ``folder`` (kind → path)."""
    html, xlsx = run.get("report_html"), run.get("report_xlsx")
    found: dict[str, Path] = {}
    for kind, name in (
        ("html", html),
        ("xlsx", xlsx),
        ("csv", str(Path(html).with_suffix(".csv")) if html else None),
    ):
        if not name:
            continue
        path = Path(name).resolve()
        if path.is_file() and path.is_relative_to(folder.resolve()):
            found[kind] = path
    return found


def _classes(items: list[dict[str, Any]]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    by_class: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_class.setdefault(str(item["item_class"]), []).append(item)
    out = []
    for cls in ItemClass:
        if cls.value in by_class and cls is not ItemClass.MATCHED:
            out.append((cls.title_zh, cls.action_zh, by_class[cls.value]))
    return out


@page()
async def reconciliation(p: Page) -> Response:
    store = ReconStore(p.site.engine, p.site.tables)
    runs = await p.run(store.recent)
    wanted = p.field("run")
    run = next((r for r in runs if str(r["id"]) == wanted), runs[0] if runs else None)
    items = await p.run(store.items, int(run["id"])) if run else []
    folder = p.site.settings.folders.reports
    files = report_files(run, folder) if run else {}
    matched = sum(1 for i in items if i["item_class"] == ItemClass.MATCHED.value)
    return p.render(
        "reconciliation.html.j2",
        runs=runs,
        run=run,
        classes=_classes(items),
        files=files,
        matched=matched,
    )


@page()
async def report(p: Page) -> Response:
    kind = p.request.path_params["kind"]
    store = ReconStore(p.site.engine, p.site.tables)
    run = await p.run(store.find, int(p.request.path_params["run"]))
    files = report_files(run, p.site.settings.folders.reports) if run else {}
    if kind not in KINDS or kind not in files:
        return p.render("refused.html.j2", 404, reason="没有这份报告 / no such report")
    return FileResponse(files[kind], media_type=KINDS[kind], filename=files[kind].name)
