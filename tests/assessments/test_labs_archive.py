"""Uploaded zips: good ones unpack; escapes, links, bombs and bad names are refused whole."""

from __future__ import annotations

import io
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from assessments.labs.archive import ArchiveError, ArchiveLimits, extract_zip


def _zip(*entries: tuple[str, bytes], mode: int | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if mode is not None:
                info.external_attr = mode << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def _refused(tmp_path: Path, data: bytes, match: str, limits: ArchiveLimits | None = None) -> None:
    destination = tmp_path / "out"
    with pytest.raises(ArchiveError, match=match):
        extract_zip(data, destination, limits)
    assert list(tmp_path.iterdir()) == [], "something was left behind"


def test_a_good_archive_unpacks(tmp_path: Path) -> None:
    data = _zip(("solution.py", b"x = 1\n"), ("pkg/util.py", b""), ("__MACOSX/._x", b"junk"))
    files = extract_zip(data, tmp_path / "out")
    assert files == ["pkg/util.py", "solution.py"]
    assert (tmp_path / "out" / "solution.py").read_bytes() == b"x = 1\n"
    assert not (tmp_path / "out" / "__MACOSX").exists()


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("../evil.py", r"outside the submission"),
        ("a/../../evil.py", r"outside the submission"),
        ("/etc/evil.py", r"absolute path"),
        ("C:/evil.py", r"absolute path"),
        ("a\\..\\evil.py", r"backslash"),
    ],
)
def test_path_escapes_are_refused(tmp_path: Path, name: str, match: str) -> None:
    _refused(tmp_path, _zip(("ok.py", b""), (name, b"boom")), match)


def test_symlinks_are_refused(tmp_path: Path) -> None:
    _refused(tmp_path, _zip(("link", b"/etc/passwd"), mode=stat.S_IFLNK | 0o777), "symbolic link")


def test_too_many_files_are_refused(tmp_path: Path) -> None:
    entries = [(f"f{i}.py", b"") for i in range(6)]
    _refused(tmp_path, _zip(*entries), "6 files; at most 5", ArchiveLimits(max_files=5))


def test_decompression_bomb_is_refused_from_its_header(tmp_path: Path) -> None:
    bomb = _zip(("zeros.bin", bytes(30 << 20)))
    assert len(bomb) < 100_000
    _refused(tmp_path, bomb, "at most 5.0 MiB per file")


def test_total_size_is_limited(tmp_path: Path) -> None:
    entries = [(f"f{i}.bin", bytes(4 << 20)) for i in range(6)]
    _refused(tmp_path, _zip(*entries), "unpacks to 24.0 MiB; at most 20.0 MiB")


def test_a_lying_size_header_is_refused(tmp_path: Path) -> None:
    data = bytearray(_zip(("small.txt", bytes(1 << 20))))
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature) + offset
        data[at : at + 4] = struct.pack("<I", 1000)  # claim 1000 bytes instead of 1 MiB
    _refused(tmp_path, bytes(data), "not a valid zip|more than its header says")


def test_non_utf8_names_are_refused(tmp_path: Path) -> None:
    data = _zip(("XXname.py", b"")).replace(b"XXname.py", b"\xff\xfename.py")
    _refused(tmp_path, data, "not UTF-8")


def test_utf8_names_are_kept(tmp_path: Path) -> None:
    assert extract_zip(_zip(("données.py", b"")), tmp_path / "out") == ["données.py"]


def test_not_a_zip_and_oversized_uploads_are_refused(tmp_path: Path) -> None:
    _refused(tmp_path, b"this is not a zip", "not a valid zip")
    _refused(tmp_path, bytes(2000), "at most", ArchiveLimits(max_archive_bytes=1000))


def test_duplicates_and_file_folder_clashes_are_refused(tmp_path: Path) -> None:
    _refused(tmp_path, _zip(("a.py", b""), ("./a.py", b"")), "more than once")
    _refused(tmp_path, _zip(("a", b""), ("a/b.py", b"")), "both a file and a folder")
