"""Every published file goes through one writer: a failed write leaves the last good copy."""

import pytest

from helpers.core.atomic import write_atomically


def test_a_write_that_fails_halfway_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "report.xlsx"
    target.write_text("last good report", encoding="utf-8")

    def killed_halfway(tmp):
        tmp.write_text("half a rep", encoding="utf-8")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        write_atomically(target, killed_halfway)
    assert target.read_text(encoding="utf-8") == "last good report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]


def test_text_bytes_and_writers_land_whole_in_a_new_folder(tmp_path):
    write_atomically(tmp_path / "a" / "t.json", "{\"店铺\": 1}")
    write_atomically(tmp_path / "a" / "b.bin", b"\x00\x01")
    write_atomically(tmp_path / "a" / "w.csv", lambda tmp: tmp.write_text("x\n", encoding="utf-8"))
    assert (tmp_path / "a" / "t.json").read_text(encoding="utf-8") == "{\"店铺\": 1}"
    assert (tmp_path / "a" / "b.bin").read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b.bin", "t.json", "w.csv"]
