"""Reading CSV files the way users make them (Excel's UTF-8 BOM, ';' separators, CRLF)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from onestop_desktop.errors import UserError

MAX_ERRORS_SHOWN = 50


@dataclass(frozen=True, slots=True)
class LineError:
    """A problem on one line of an input file."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        field = f" [{self.field}]" if self.field else ""
        if self.line <= 0:
            return f"{self.message}{field}"
        return f"Dòng {self.line}{field}: {self.message}"


class ImportFailed(UserError):
    """The file was refused; nothing was written. ``errors`` lists every bad line."""

    def __init__(self, path: str, errors: Sequence[LineError]) -> None:
        self.errors = list(errors)
        shown = "; ".join(str(e) for e in self.errors[:MAX_ERRORS_SHOWN])
        more = len(self.errors) - MAX_ERRORS_SHOWN
        tail = f"; … và {more} lỗi khác" if more > 0 else ""
        super().__init__(
            f"Không nhập tệp {path}: {len(self.errors)} lỗi, không có dòng nào được ghi. "
            f"{shown}{tail}"
        )


def read_text(path: Path) -> str:
    """Read a user's file as text (UTF-8, with or without BOM)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"Không tìm thấy tệp {path}.") from None
    except OSError as exc:
        raise UserError(f"Không đọc được tệp {path}: {exc.strerror}.") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(
            f"Tệp {path} không phải UTF-8; hãy lưu lại dưới dạng 'CSV UTF-8'."
        ) from None


def iter_rows(
    text: str,
    *,
    source: str,
    required: Sequence[str],
    optional: Sequence[str] = (),
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line_number, row)`` with stripped values, after checking the header.

    Raises:
        ImportFailed: the header lacks a required column or has an unknown one.
    """
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ImportFailed(source, [LineError(1, "", "Tệp rỗng, thiếu dòng tiêu đề.")]) from None
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in required and c not in optional]
    errors = []
    if missing:
        errors.append(LineError(1, "", f"thiếu cột: {', '.join(missing)}"))
    if unknown:
        errors.append(LineError(1, "", f"cột không được hỗ trợ: {', '.join(unknown)}"))
    if len(set(header)) != len(header):
        errors.append(LineError(1, "", "tên cột bị trùng"))
    if errors:
        expected = ",".join(required)
        errors.append(LineError(1, "", f"các cột cần có: {expected}"))
        raise ImportFailed(source, errors)
    width = len(header)
    for values in reader:
        line = reader.line_num
        if not values or all(not v.strip() for v in values):
            continue
        if len(values) != width:
            yield line, {"__error__": f"có {len(values)} cột, cần {width}"}
            continue
        yield line, {h: v.strip() for h, v in zip(header, values, strict=True)}
