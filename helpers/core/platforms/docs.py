"""docs/platforms/: a page per platform, generated from the profiles (``python -m
helpers.core.platforms.docs`` writes them; a test fails when they drift)."""

from __future__ import annotations

from pathlib import Path

from helpers.core.contract import SOURCE_GROUPS, TABLES
from helpers.core.platforms import Profile, default_source_groups, load_profiles, status_map

PLATFORMS = {  # platform key -> page title
    "taobao": "淘宝 / 天猫: 生意参谋 and 千牛",
    "jd": "京东: 京东商智 and the 商家后台 order export",
    "douyin": "抖音: 抖店",
    "pdd": "拼多多",
}
NOTEBOOKS = {  # table -> what the notebooks do with it (docs only)
    "orders": "every notebook (sales, orders, buyers, units; customers 05; campaigns 04)",
    "traffic": "00 overview (visitors, conversion, UV value, AOV), 03 traffic (source map, funnel, changes)",
    "refunds": "00 overview (refunds, refund rate), 02 products (net sales), 06 service (refunds)",
    "products": "00 overview (gross margin, categories), 02 products (portfolio, pricing)",
    "ads": "00 overview (ad spend, ROI), 03 traffic (paid promotion)",
    "market": "01 market research (size, shares, prices)",
    "keywords": "01 market research and 02 products (keywords, titles)",
}


def _page(platform: str, profiles: list[Profile]) -> str:
    lines = [f"# {PLATFORMS.get(platform, platform)}", "",
             "<!-- Generated from helpers/core/platforms/*.toml by `python -m helpers.core.platforms.docs`; "
             "do not edit by hand. -->", "",
             "Put the exports in one folder as downloaded, under any name: `workbook check DIR` recognises each "
             "file from its header and says what it read it as. The profiles are data "
             "(`helpers/core/platforms/<id>.toml`); an export none knows is mapped in the folder's "
             "`workbook.yaml` (see [README](README.md)).", ""]
    for p in profiles:
        lines += [f"## {p.platform_name} {p.export} (`{p.id}`)", "",
                  f"- **Where**: {p.menu}",
                  f"- **Feeds**: [`{p.table}`](../data.md#{p.table})"
                  + {"orders": " (an order report: joined with its line report into order lines)",
                     "lines": f" (a line report: joined with `{p.join.get('with', '')}`, the paid amount allocated "
                              f"by {p.join.get('by', 'list price x quantity')})"}.get(p.level, ""),
                  f"- **Recognised by** the headers {', '.join(p.signature)}"
                  + (f"; names such as {', '.join(p.file_hints)} break ties" if p.file_hints else ""),
                  f"- **Encodings**: {', '.join(p.encodings) or 'any the reader knows'}",
                  f"- **Needed by**: {NOTEBOOKS.get(p.table, TABLES[p.table].description)}"]
        if p.lost:
            lines.append(f"- **Without it**: {p.lost}")
        if p.notes:
            lines.append(f"- **Notes**: {p.notes}")
        if p.date_from_title:
            lines.append(f"- **Title rows**: `{p.date_from_title}` comes from the title's 统计日期 when the rows "
                         "have no date column")
        if p.derive:
            lines.append("- **Derived**: " + ", ".join(f"`{t}` from `{s}` (source groups, [README](README.md))"
                                                     for t, s in p.derive.items()))
        if p.constants:
            lines.append("- **Constants**: " + ", ".join(f"`{k}` = {v}" for k, v in p.constants.items()))
        if p.row_filter:
            lines.append("- **Rows counted**: " + "; ".join(f"{h} is {' / '.join(v)}" for h, v in p.row_filter.items()))
        lines.append("- **Checked against**: " + " ".join(p.checked_against))
        lines += ["", "| header | contract column |", "|---|---|"]
        lines += [f"| {' or '.join(h)} | `{c}` |" for c, h in p.columns.items()]
        if "status" in p.columns:
            own = {k: v for k, v in status_map(p).items() if k in p.statuses}
            lines += ["", "Statuses: " + ", ".join(f"{k} -> `{v}`" for k, v in own.items())
                      + ". Any other value is an error naming it."]
        lines.append("")
    return "\n".join(lines)


def render_platform_docs() -> dict[str, str]:
    """File name -> Markdown of every page of docs/platforms/."""
    by_platform: dict[str, list[Profile]] = {}
    for p in load_profiles().values():
        by_platform.setdefault(p.platform, []).append(p)
    pages = {f"{k}.md": _page(k, v) for k, v in sorted(by_platform.items())}
    groups: dict[str, list[str]] = {g: [] for g in SOURCE_GROUPS}
    for name, group in default_source_groups().items():
        if name not in SOURCE_GROUPS:
            groups[group].append(name)
    index = ["# Platform exports", "",
             "<!-- Generated from helpers/core/platforms/*.toml by `python -m helpers.core.platforms.docs`; "
             "do not edit by hand. -->", "",
             "A folder of exports as downloaded is a shop: each file is recognised from its header (title rows, "
             "GBK, totals rows, merged header cells and `=\"...\"` ids are read as exported). "
             "`workbook check DIR` lists what each file was read as and every problem of every file.", "",
             "| platform | export | table | profile |", "|---|---|---|---|"]
    for p in sorted(load_profiles().values(), key=lambda p: (p.platform, p.id)):
        index.append(f"| [{p.platform_name}]({p.platform}.md) | {p.export} | `{p.table}` | `{p.id}` |")
    index += ["", "## Source groups", "",
              "Where an export names sources but not their group, the group follows from the name "
              "(`helpers/core/platforms/source_groups.toml`). A folder overrides or adds names in its "
              "`workbook.yaml`: `source_groups: {小红书种草: offsite}`. A name in no table is an error naming it.", "",
              "| group | source names |", "|---|---|"]
    index += [f"| `{g}` | {', '.join(names)} |" for g, names in groups.items()]
    index += ["", "## Exports no profile knows: workbook.yaml", "",
              "```yaml", "files:",
              "  - pattern: \"店铺日报*.csv\"      # file name (glob) -> table",
              "    table: traffic",
              "    columns: {日期: date, 渠道: source, 访客: visitors, 加购: cart_buyers, 下单人: order_buyers,",
              "              成交人: paid_buyers, 成交额: paid_amount}",
              "    derive: {source_group: source}   # optional: groups from source names",
              "    status: {妥投: paid}              # optional: status value -> paid / unpaid / cancelled",
              "source_groups: {小红书种草: offsite}",
              "statuses: {交易挂起: paid}            # status values of any export a profile lacks",
              "```", "",
              "A new platform export is a new TOML file in `helpers/core/platforms/` (copy one of the same "
              "table), then `python -m helpers.core.platforms.docs` to regenerate these pages.", ""]
    pages["README.md"] = "\n".join(index)
    return pages


def write_platform_docs(folder: Path) -> list[str]:
    """Write the pages that changed; their names."""
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in render_platform_docs().items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(name)
    return changed


if __name__ == "__main__":
    print(", ".join(write_platform_docs(Path(__file__).resolve().parents[3] / "docs" / "platforms")) or "up to date")
