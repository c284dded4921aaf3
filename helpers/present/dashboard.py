"""The dashboard (``make dashboard``, Voilà): which shop a page shows, and the landing page.

The shops a dashboard offers are configured on the server, never typed in the browser:
``WORKBOOK_SHOPS="旗舰店=/data/shop1;二店=/data/shop2"`` (read by :mod:`helpers.settings`),
with the sample shop always first. A page picks one by name in its address,
``.../00-shop-overview.ipynb?shop=二店``; Voilà hands the kernel that query string, and
:func:`chosen_data_dir` turns the name into the configured folder. A name that is not in the
list is refused: the browser can choose among the server's shops, never name a folder.

Outside Voilà (JupyterLab, papermill, batch runs) there is no query string and the notebook's
own ``data_dir`` parameter is used unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, quote

from helpers import settings
from helpers.core.shop import project_root
from helpers.present.display import escape, show_markdown

#: The name under which the sample shop (``data/sample``) is always offered.
SAMPLE_SHOP = "样例店"
SAMPLE_DIR = "data/sample"
LANDING = "dashboard/index.ipynb"  # relative to the project root, which Voilà serves


def configured_shops(text: str | None = None) -> dict[str, str]:
    """Shop name -> data folder: the sample shop, then ``WORKBOOK_SHOPS`` in its order.

    Parameters
    ----------
    text : ``name=folder`` entries separated by ``;`` (default: ``WORKBOOK_SHOPS``). A
        configured entry named like the sample shop replaces it.

    Raises
    ------
    ValueError : an entry without ``=``, with an empty name or folder, or a name given twice.
    """
    text = settings.get().shops if text is None else text
    shops = {SAMPLE_SHOP: SAMPLE_DIR}
    seen = set()
    for entry in (e.strip() for e in text.split(";")):
        if not entry:
            continue
        name, sep, folder = (part.strip() for part in entry.partition("="))
        if not sep or not name or not folder:
            raise ValueError(f"WORKBOOK_SHOPS: the entry {entry!r} is not name=folder; write it as "
                             "旗舰店=/data/shop1 and separate shops with ';'")
        if name in seen:
            raise ValueError(f"WORKBOOK_SHOPS names the shop {name!r} twice; give each shop one name")
        seen.add(name)
        shops[name] = folder
    return shops


def shop_in_query(query: str) -> str | None:
    """The ``shop`` named in a page's query string (``shop=二店``), None when it names none."""
    values = parse_qs(query).get("shop", [])
    return values[-1].strip() or None if values else None


def chosen_data_dir(data_dir: str) -> str:
    """The data folder this page shows: under Voilà the configured shop named in the page's
    address (the sample shop when it names none), never the notebook's own folder; outside
    Voilà ``data_dir`` (the notebook's parameter) unchanged.

    A preheated Voilà kernel runs the notebook's imports before anyone asks for the page; here
    it waits for the request (:func:`voila.utils.wait_for_request`) so that the query string is
    known before any data is read.

    Raises
    ------
    ValueError : the address names a shop that is not configured (shown on the page in both
        languages, with the names that are).
    """
    current = settings.get()
    if current.voila_preheat:
        from voila.utils import wait_for_request

        wait_for_request()
        current = settings.reload()
    name = shop_in_query(current.query_string)
    if name is None:
        if not current.voila_page:
            return data_dir
        # a dashboard page shows a configured shop only, whatever folder a notebook (an executed
        # report's copy, say) was run with: the sample shop unless the address names another
        name = SAMPLE_SHOP
    shops = configured_shops(current.shops)
    if name not in shops:
        known = "、".join(shops)
        show_markdown(f"**没有名为「{escape(name)}」的店铺。** 可选的店铺：{escape(known)}（在服务器上用 "
                      f"`WORKBOOK_SHOPS` 配置）。\n\n**No shop is named {escape(name)}.** The shops are: "
                      f"{escape(', '.join(shops))} (configured on the server in `WORKBOOK_SHOPS`).")
        raise ValueError(f"shop={name!r} is not a configured shop; choose one of {list(shops)} "
                         "or add it to WORKBOOK_SHOPS on the server")
    # a page's exports go to its shop's own folder, never over the files a batch published
    settings.use(export_subdir=f"dashboard/{''.join(ch if ch.isalnum() or ch in '-_' else '_' for ch in name)}")
    return shops[name]


@dataclass(frozen=True)
class NotebookEntry:
    """A report as the landing page lists it."""

    path: Path
    title_zh: str
    title_en: str
    summary_zh: str
    summary_en: str


def _title_and_summary(markdown: str) -> tuple[str, str]:
    """The ``# heading`` of a title cell and the first sentence of the paragraph under it."""
    lines = markdown.strip().splitlines()
    title = lines[0].lstrip("#").strip() if lines else ""
    paragraph = next((p.strip() for p in "\n".join(lines[1:]).split("\n\n") if p.strip()), "")
    match = re.match(r"(.+?(?:[。！？]|[.!?](?=\s|$)))", paragraph.replace("\n", " "))
    return title, match.group(1) if match else paragraph


def list_notebooks(folder: Path | None = None) -> list[NotebookEntry]:
    """The numbered reports in ``notebooks/`` with their titles and a one-line description,
    taken from each notebook's title cells (Chinese first, English second)."""
    import nbformat

    folder = project_root() / "notebooks" if folder is None else folder
    entries = []
    for path in sorted(folder.glob("[0-9][0-9]-*.ipynb")):
        cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"][:2]
        (title_zh, summary_zh), (title_en, summary_en) = (_title_and_summary(c.source) for c in cells)
        entries.append(NotebookEntry(path, title_zh, title_en, summary_zh, summary_en))
    return entries


def landing_markdown(shops: dict[str, str], entries: list[NotebookEntry]) -> str:
    """The landing page: the shops, then each report with its description and a link per shop.

    Links are relative to the landing page (``dashboard/index.ipynb`` under Voilà's
    ``voila/render/``) and name shops only, never folders.
    """
    names = "、".join(f"**{escape(n)}**" for n in shops)
    rows = ["| 报告 · Report | 说明 | 打开 · Open |", "|---|---|---|"]
    for entry in entries:
        target = f"../notebooks/{quote(entry.path.name)}"
        links = " · ".join(f"[{escape(n)}]({target}?shop={quote(n)})" for n in shops)
        rows.append(f"| {escape(entry.title_zh)}<br>{escape(entry.title_en)} | {escape(entry.summary_zh)} | {links} |")
    return "\n".join([
        "# 电商运营看板 · Shop dashboard",
        "",
        f"先选报告，再点店铺名打开。可选的店铺：{names}。每份报告末尾的「探索」部分可以按来源、类目、"
        "指标和日期筛选。",
        "",
        "Pick a report, then click a shop's name to open it. Each report ends with an Explore "
        "section whose selectors redraw its tables and charts.",
        "",
        *rows,
        "",
        "*店铺由服务器上的 `WORKBOOK_SHOPS` 配置（名称=文件夹，用 `;` 分隔）· Shops are configured on "
        "the server in `WORKBOOK_SHOPS` (name=folder, separated by `;`).*",
    ])


def show_landing() -> None:
    """Show the landing page (the one cell of ``dashboard/index.ipynb``)."""
    show_markdown(landing_markdown(configured_shops(), list_notebooks()))
