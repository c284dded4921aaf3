"""The recall list leaves the report: masked ids for the report, real ids in the CRM files.

Customer ids are personal data. Reports show :func:`mask_ids` (a salted hash, the salt from
:func:`id_salt`); only the files :func:`export_recall_list` writes (CSV, and XLSX up to
``xlsx_max_rows`` customers) carry the real ids, for importing into the CRM tool.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers import settings
from helpers.areas.customers.rfm import segment_label
from helpers.core.notes import note
from helpers.core.shop import resolve_export_dir
from helpers.i18n import check_lang, label
from helpers.present import files

if TYPE_CHECKING:
    from helpers.core.calendar import Period
    from helpers.core.shop import Shop

#: Salt for masking ids of the generated sample shop only (documented, hence not secret).
SAMPLE_SALT = "workbook-sample-shop"
#: The setting that holds the salt for real data (read by :mod:`helpers.settings`).
SALT_ENV = "WORKBOOK_ID_SALT"
XLSX_SHEET_ROWS = 1_048_575  # data rows of one Excel sheet (1,048,576 with the header)
EXPORT_COLUMNS = ("customer_id", "segment", "sales", "purchases", "last_purchase", "days_since_last",
                  "usual_gap_days", "overdue_days", "p_alive", "p_alive_change", "expected_purchases",
                  "expected_value", "why_listed", "action",
                  # after the columns CRM import templates already map, so that those keep their places
                  "recall_expected_return", "recall_contact_cost", "recall_holdout")


def id_salt(shop: Shop) -> str:
    """The salt for masking customer ids; a note says where it came from.

    The ``WORKBOOK_ID_SALT`` setting when set. Otherwise, for the generated sample shop (a
    folder whose ground_truth.json names the generator), the documented fixed
    :data:`SAMPLE_SALT`; for any other data a random salt for this run only (masks then
    differ between runs, and nobody can recompute them from ids).
    """
    salt = settings.get().id_salt
    if salt:
        note(f"客户ID用 {SALT_ENV} 中的盐脱敏", f"customer ids are masked with the salt in {SALT_ENV}")
        return salt
    truth = Path(shop.origin) / "ground_truth.json"
    if truth.is_file() and _generated_by_sample(truth):
        note(f"客户ID用样例店铺固定的盐脱敏；真实数据请设置 {SALT_ENV}",
             f"customer ids are masked with the sample shop's fixed salt; set {SALT_ENV} for real data")
        return SAMPLE_SALT
    note(f"没有设置 {SALT_ENV}，客户ID用本次运行的随机盐脱敏：每次运行的脱敏ID都不同（设置它可保持稳定）",
         f"{SALT_ENV} is not set, so customer ids are masked with a random salt for this run: masks differ "
         "between runs (set it to keep them stable)")
    return secrets.token_hex(16)


def _generated_by_sample(path: Path) -> bool:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("generator") == "helpers.sample.generate_sample"
    except (ValueError, OSError, AttributeError):
        return False


def mask_ids(ids: Any, salt: str, length: int = 10) -> pd.Index:
    """Masked customer ids: ``"u" + the first `length` hex digits of HMAC-SHA256(salt, id)``.

    The same id and salt always give the same mask, so a masked id can be looked up in
    the export; the id cannot be recovered without the salt.
    """
    key = salt.encode("utf-8")
    return pd.Index(["u" + hmac.new(key, str(v).encode("utf-8"), hashlib.sha256).hexdigest()[:length]
                     for v in ids], dtype="string")


def recall_export_frame(recall: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The recall list as written for the CRM tool: real ids as text, labels in ``lang``."""
    check_lang(lang)
    out = recall.reset_index().rename(columns={"index": "customer_id"})
    out["customer_id"] = out["customer_id"].astype("string")
    out["segment"] = _relabel(out["segment"], lambda k: segment_label(k, lang))
    out["why_listed"] = _relabel(out["why_listed"], lambda k: label(f"recall_reason_{k}", lang))
    out["action"] = _relabel(out["action"], lambda k: label(f"action_{k}", lang))
    out["last_purchase"] = pd.to_datetime(out["last_purchase"]).dt.strftime("%Y-%m-%d")
    out["recall_holdout"] = np.where(out["recall_holdout"].astype(bool), label("recall_group_holdout", lang),
                                     label("recall_group_contact", lang))
    for col in ("sales", "expected_value", "recall_expected_return", "recall_contact_cost"):
        out[col] = out[col].round(2)
    for col in ("p_alive", "p_alive_change", "expected_purchases"):
        out[col] = out[col].round(4)
    for col in ("usual_gap_days", "overdue_days"):
        out[col] = out[col].round(1)
    out = out[list(EXPORT_COLUMNS)]
    return out.rename(columns={c: label(c, lang) for c in EXPORT_COLUMNS})


def _relabel(keys: pd.Series, name: Any) -> np.ndarray:
    """``name(key)`` for every key, computed once per distinct key (a recall list has
    hundreds of thousands of rows and a handful of keys)."""
    codes, distinct = pd.factorize(keys)
    if (codes < 0).any():
        raise ValueError(f"{keys.name} has empty values")
    return np.asarray([name(k) for k in distinct], dtype=object)[codes]


def check_xlsx_max_rows(value: Any) -> None:
    """A ValueError naming the parameter unless ``value`` is a whole number from 0 to
    :data:`XLSX_SHEET_ROWS`."""
    if not isinstance(value, int | np.integer) or isinstance(value, bool) or not 0 <= value <= XLSX_SHEET_ROWS:
        raise ValueError(f"parameter xlsx_max_rows={value!r} must be a whole number from 0 to {XLSX_SHEET_ROWS:,} "
                         "(the rows of one Excel sheet); 0 writes no XLSX copy, the CSV always has every customer")


def export_recall_list(recall: pd.DataFrame, export_dir: str | Path, period: Period,
                       lang: str, xlsx_max_rows: int = 100_000) -> list[Path]:
    """Write the recall list as CSV (UTF-8 with BOM, for Excel) and XLSX, with real ids.

    Files: ``<export_dir>/recall_list_<start>_<end>.csv`` and ``.xlsx``, written through
    :mod:`helpers.present.files`: ids stay text in both (leading zeros kept), a cell that
    a spreadsheet would read as a formula (an id such as ``=HYPERLINK(...)`` or ``-2+3``) is
    text, and inside a batch run the files are published only when the report succeeded.

    The CSV always has every customer. The XLSX copy is written only when the list has at
    most ``xlsx_max_rows`` customers (0: never): writing XLSX costs about 0.3 ms per row
    (600,000 rows: 3 to 4 minutes) and one sheet holds at most :data:`XLSX_SHEET_ROWS`.
    An XLSX file of an earlier run with the same name is removed rather than left to look
    current. :func:`.sentences.describe_recall` says when the copy was not written.

    Returns
    -------
    The paths written: the CSV, then the XLSX when written.
    """
    check_xlsx_max_rows(xlsx_max_rows)
    folder = resolve_export_dir(export_dir)
    frame = recall_export_frame(recall, lang)
    stem = f"recall_list_{period.start:%Y%m%d}_{period.end:%Y%m%d}"
    csv_path, xlsx_path = folder / f"{stem}.csv", folder / f"{stem}.xlsx"
    files.write_csv(frame, csv_path)
    if len(frame) > xlsx_max_rows:
        files.remove_file(xlsx_path)
        return [csv_path]
    id_column = frame.columns[0]
    files.write_xlsx({"recall": frame}, xlsx_path, text_columns={"recall": [id_column]})
    return [csv_path, xlsx_path]
