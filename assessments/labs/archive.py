"""Unpack an uploaded zip safely, or not at all.

Why so strict: the archive comes from a learner and is unpacked by the trusted service,
outside the sandbox. Every entry is checked before a byte is written (no path escapes,
links, special files, encryption, duplicates, non-UTF-8 names, too many or too large
files), sizes are counted again while decompressing because headers can lie, and the
files land in a temporary directory that is renamed into place only when all succeeded.
"""

from __future__ import annotations

import dataclasses
import io
import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import BinaryIO

MiB = 1 << 20
_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1
_SKIPPED_PREFIXES = ("__MACOSX/",)  # resource forks macOS adds to zips: never code


class ArchiveError(ValueError):
    """The upload was refused; the message says why in words a learner can act on."""


@dataclasses.dataclass(frozen=True)
class ArchiveLimits:
    max_archive_bytes: int = 10 * MiB
    max_files: int = 200
    max_file_bytes: int = 5 * MiB
    max_total_bytes: int = 20 * MiB
    max_depth: int = 8


def extract_zip(
    archive: Path | bytes | BinaryIO, destination: Path, limits: ArchiveLimits | None = None
) -> list[str]:
    """Extract ``archive`` into ``destination`` (which must not exist yet).

    Returns the extracted files' relative paths. Raises :class:`ArchiveError` and leaves
    nothing behind when anything is wrong.
    """
    limits = limits or ArchiveLimits()
    if destination.exists():
        raise FileExistsError(f"{destination} already exists.")
    stream = _open_stream(archive, limits)
    try:
        with zipfile.ZipFile(stream) as zipped:
            entries = _checked_entries(zipped, limits)
            staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=destination.parent))
            try:
                _write_all(zipped, entries, staging, limits)
                staging.rename(destination)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
    except zipfile.BadZipFile as error:
        raise ArchiveError(f"The file is not a valid zip archive ({error}).") from error
    finally:
        stream.close()
    return sorted(str(path) for path, info in entries if not info.is_dir())


def _open_stream(archive: Path | bytes | BinaryIO, limits: ArchiveLimits) -> BinaryIO:
    if isinstance(archive, bytes):
        stream: BinaryIO = io.BytesIO(archive)
    elif isinstance(archive, Path):
        stream = archive.open("rb")
    else:
        stream = archive
    size = stream.seek(0, os.SEEK_END)
    stream.seek(0)
    if size > limits.max_archive_bytes:
        stream.close()
        raise ArchiveError(f"The upload is {_mib(size)}; at most {_mib(limits.max_archive_bytes)}.")
    return stream


def _checked_entries(
    zipped: zipfile.ZipFile, limits: ArchiveLimits
) -> list[tuple[PurePosixPath, zipfile.ZipInfo]]:
    entries: list[tuple[PurePosixPath, zipfile.ZipInfo]] = []
    seen: set[PurePosixPath] = set()
    total = 0
    for info in zipped.infolist():
        name = _utf8_name(info)
        if name.startswith(_SKIPPED_PREFIXES):
            continue
        path = _safe_path(name, limits)
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind == stat.S_IFLNK:
            raise ArchiveError(f"{name!r} is a symbolic link; links are not allowed.")
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise ArchiveError(f"{name!r} is not a regular file or folder.")
        if info.flag_bits & _ENCRYPTED_FLAG:
            raise ArchiveError(f"{name!r} is encrypted; upload an archive without a password.")
        if path in seen:
            raise ArchiveError(f"{name!r} appears more than once in the archive.")
        seen.add(path)
        if info.is_dir():
            entries.append((path, info))
            continue
        if info.file_size > limits.max_file_bytes:
            raise ArchiveError(
                f"{name!r} is {_mib(info.file_size)} unpacked; at most "
                f"{_mib(limits.max_file_bytes)} per file."
            )
        total += info.file_size
        entries.append((path, info))
    files = [path for path, info in entries if not info.is_dir()]
    if len(files) > limits.max_files:
        raise ArchiveError(f"The archive has {len(files)} files; at most {limits.max_files}.")
    if total > limits.max_total_bytes:
        raise ArchiveError(
            f"The archive unpacks to {_mib(total)}; at most {_mib(limits.max_total_bytes)}."
        )
    parents = {parent for path in files for parent in path.parents}
    clash = sorted(str(path) for path in files if path in parents)
    if clash:
        raise ArchiveError(f"{clash[0]!r} is both a file and a folder in the archive.")
    return entries


def _utf8_name(info: zipfile.ZipInfo) -> str:
    """The entry's name as UTF-8; zips without the UTF-8 flag are accepted only if ASCII or
    (as many tools write them) actually UTF-8 despite the missing flag."""
    name = info.filename
    if info.flag_bits & _UTF8_FLAG or name.isascii():
        return name
    try:
        return name.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        raise ArchiveError(
            f"The file name {name!r} is not UTF-8; rename it or re-create the zip with UTF-8 names."
        ) from None


def _safe_path(name: str, limits: ArchiveLimits) -> PurePosixPath:
    if "\\" in name or any(ord(char) < 32 for char in name):
        raise ArchiveError(f"{name!r} contains a backslash or a control character.")
    path = PurePosixPath(name)
    if path.is_absolute() or (path.parts and ":" in path.parts[0]):
        raise ArchiveError(f"{name!r} is an absolute path; only relative paths are allowed.")
    parts = [part for part in path.parts if part != "."]
    if ".." in parts:
        raise ArchiveError(f"{name!r} points outside the submission folder ('..').")
    if not parts:
        raise ArchiveError(f"{name!r} is not a usable file name.")
    if len(parts) > limits.max_depth:
        raise ArchiveError(f"{name!r} is nested deeper than {limits.max_depth} folders.")
    return PurePosixPath(*parts)


def _write_all(
    zipped: zipfile.ZipFile,
    entries: list[tuple[PurePosixPath, zipfile.ZipInfo]],
    staging: Path,
    limits: ArchiveLimits,
) -> None:
    written = 0
    for path, info in entries:
        target = staging.joinpath(*path.parts)
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        with zipped.open(info) as source, os.fdopen(os.open(target, flags, 0o644), "wb") as out:
            size = 0
            while chunk := source.read(64 * 1024):
                size += len(chunk)
                written += len(chunk)
                if size > min(info.file_size, limits.max_file_bytes) or (
                    written > limits.max_total_bytes
                ):
                    raise ArchiveError(
                        f"{str(path)!r} unpacks to more than its header says: refused as a "
                        "possible decompression bomb."
                    )
                out.write(chunk)


def _mib(size: int) -> str:
    return f"{size / MiB:.1f} MiB"
