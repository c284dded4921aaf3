"""One label table, one wording per key and language, one language check."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from helpers import i18n

HELPERS = Path(i18n.__file__).parent
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def test_labels_in_both_languages():
    assert i18n.label("conversion_rate", "zh") == "支付转化率"
    assert i18n.label("conversion_rate", "en") == "Conversion rate"
    assert i18n.label("previous", "zh") == "上期" and i18n.label("previous", "en") == "Previous period"
    assert i18n.label_or_text("peer_avg", "zh") == "同行平均"
    assert i18n.label_or_text("手淘搜索", "en") == "手淘搜索"  # data passes through
    with pytest.raises(KeyError, match="conversion_rate"):
        i18n.label("conversion_rat", "zh")


@pytest.mark.parametrize("lang", ["fr", "cn", "zh-CN", "EN", "", None])
def test_one_language_check_refuses_everything_but_zh_and_en(lang):
    with pytest.raises(ValueError, match="use one of zh, en"):
        i18n.check_lang(lang)
    with pytest.raises(ValueError, match="use one of zh, en"):
        i18n.label("sales", lang)
    with pytest.raises(ValueError, match="use one of zh, en"):
        i18n.is_zh(lang)


def test_every_label_is_worded_in_each_language():
    for key, (zh, en) in i18n.labels().items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", key), key
        assert zh.strip() and en.strip(), key
        assert not CJK.search(en), f"{key}: the English wording {en!r} has Chinese in it"


def test_no_second_label_table_anywhere_in_helpers():
    """A dict of (中文, English) pairs outside labels.toml is a second wording waiting to drift."""
    found = []
    for path in HELPERS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Dict) or not node.values:
                continue
            pairs = [v for v in node.values if isinstance(v, ast.Tuple) and len(v.elts) >= 2
                     and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in v.elts[:2])]
            if pairs and sum(bool(CJK.search(p.elts[0].value)) and not CJK.search(p.elts[1].value)
                             for p in pairs) >= 2:
                found.append(f"{path.relative_to(HELPERS)}:{node.lineno}")
    assert not found, f"label tables outside helpers/labels.toml: {found}"


def test_one_language_check_in_code():
    """Code asks i18n whether a language is Chinese; nobody compares lang strings of their own."""
    offenders = []
    pattern = re.compile(r"""lang\s*[!=]=\s*["'](zh|en)["']|["'](zh|en)["']\s*[!=]=\s*lang|lang\.(lower|startswith)""")
    for path in HELPERS.rglob("*.py"):
        if path.name == "i18n.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(HELPERS)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_add_label_appends_once_under_a_lock(tmp_path):
    table = tmp_path / "labels.toml"
    shutil.copy(i18n.LABELS_FILE, table)
    i18n.add_label("test_word", "测试词", "Test word", table)
    import tomllib

    assert tomllib.loads(table.read_text(encoding="utf-8"))["test_word"] == {"zh": "测试词", "en": "Test word"}
    with pytest.raises(ValueError, match="exists already"):
        i18n.add_label("test_word", "别的", "Other", table)
    with pytest.raises(ValueError, match="Chinese"):
        i18n.add_label("test_word_2", "词", "Word 词", table)
    with pytest.raises(ValueError, match="lower_snake_case"):
        i18n.add_label("Test Word", "词", "Word", table)
