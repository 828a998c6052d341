"""A labels CSV read as the person who saved it means it, or refused in one line naming the file,
the line and the fix.

Spreadsheets save CSVs in many ways: UTF-8 with or without a byte-order mark, or the computer's
"ANSI" code page (Excel on Windows: cp1252 in Western Europe, cp1251 for Cyrillic …); commas,
semicolons (where the comma is the decimal mark) or tabs; empty columns at the end of each row;
quotes around fields that hold the separator. ``read`` copes with each and refuses what cannot be
read unambiguously: a first line that is data rather than column names, a row with more values than
names (an unquoted separator in a file name), two names that differ only in case.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

SEPARATORS = ",;\t"
# The 8-bit code pages spreadsheets write as "ANSI" (Windows) or plain "CSV" (older Excel for Mac),
# Western first: which one a file uses is decided by the file names it lists (those found on disk),
# then by the words it reads as (fewest that look mis-decoded), then by this order.
CODE_PAGES = ("cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1257", "mac_roman")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
BINARY_VALUES = {"0", "1", "-1", "true", "false", "yes", "no"}


class FolderFormatError(ValueError):
    """A folder's labels CSV cannot be read as meant; the message names the file, the line and the fix."""


@dataclass(frozen=True)
class Table:
    """A CSV's column names and rows as text (stripped), with the line each row starts on."""

    path: Path
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[int, ...]


def nfc(name: str) -> str:
    """``name`` in Unicode's composed form (NFC): macOS writes file names decomposed (NFD)."""
    return unicodedata.normalize("NFC", name)


def read(path, known_names=frozenset()) -> Table:
    """The CSV at ``path`` as a :class:`Table`. ``known_names``: file names on disk (NFC), which
    decide between 8-bit code pages when the file is not UTF-8."""
    path = Path(path)
    raw = path.read_bytes()
    if raw.startswith(b"PK\x03\x04"):
        raise FolderFormatError(f"{path} is a zip archive (an Excel workbook saved as .xlsx?), not a CSV: save it from "
                                f"the spreadsheet as CSV (File → Save As → CSV).")
    text = _decode(raw, known_names)
    hint = re.match(r"sep=(.)\r?$", text.split("\n", 1)[0])  # Excel's own first line, "sep=;"
    separator = hint[1] if hint else _separator(text)
    parsed = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, quotechar='"', skipinitialspace=True,
                            strict=True)
        for cells in reader:
            if any(cell.strip() for cell in cells) and not (hint and reader.line_num == 1):
                parsed.append((reader.line_num, [cell.strip() for cell in cells]))
    except csv.Error as error:
        raise _error(path, reader.line_num, f"cannot be split into fields ({error}); a field that holds "
                     f"{_shown(separator)} or a double quote must be put in double quotes, with inner quotes doubled "
                     f"(\"\"), as spreadsheet programs do") from None
    if not parsed:
        raise FolderFormatError(f"{path} is empty: write a header line (file,smiling,…) and one line per image.")
    (first_line, header), *body = parsed
    header = _header(path, first_line, [nfc(name) for name in header], separator, known_names)
    rows = [(line, _fit(path, line, cells, header, separator)) for line, cells in body]
    keep = [k for k, name in enumerate(header) if name or any(cells[k] for _, cells in rows)]
    for k in keep:
        if not header[k]:
            line = next(line for line, cells in rows if cells[k])
            raise _error(path, first_line, f"column {k + 1} has no name but holds values (first on line {line}): "
                         f"write its name in the header line, or delete the column")
    return Table(path, tuple(header[k] for k in keep), tuple(tuple(cells[k] for k in keep) for _, cells in rows),
                 tuple(line for line, _ in rows))


def _decode(raw: bytes, known_names) -> str:
    """``raw`` as text: UTF-16 with its byte-order mark, UTF-8 (with or without one), else one of
    ``CODE_PAGES``: the one whose file names match most files on disk, then with fewest mis-decoded words."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    texts = [raw.decode(page, errors="replace") for page in CODE_PAGES]
    return max(texts, key=lambda text: (_matches(text, known_names), -_odd_words(text), -texts.index(text)))


def _odd_words(text: str) -> int:
    """How many words of ``text`` look mis-decoded: letters of two scripts in one word ('Lдcheln'), or
    a Latin word of mostly accented letters (Cyrillic read as cp1252: 'óëûáêà')."""
    odd = 0
    for word in re.findall(r"[^\W\d_]+", text):
        scripts = {unicodedata.name(letter, "?").split()[0] for letter in word}
        accented = sum(not letter.isascii() for letter in word)
        mostly_accented = accented == len(word) >= 2 or 2 * accented > len(word) >= accented >= 3
        odd += len(scripts) > 1 or (scripts == {"LATIN"} and mostly_accented)
    return odd


def _matches(text: str, known_names) -> int:
    """How many lines of ``text`` start with a field that is a known file name."""
    if not known_names:
        return 0
    return sum(nfc(re.split("[,;\t]", line, maxsplit=1)[0].strip().strip('"')) in known_names
               for line in text.splitlines())


def _separator(text: str) -> str:
    """The field separator: csv.Sniffer's choice among comma, semicolon and tab, else the one the
    header line holds most of (comma when none)."""
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=SEPARATORS).delimiter
    except csv.Error:
        first = text.splitlines()[0] if text else ""
        return max(SEPARATORS, key=first.count) if any(sep in first for sep in SEPARATORS) else ","


def _header(path: Path, line: int, header: list[str], separator: str, known_names) -> list[str]:
    """The column names without trailing empty ones; refuses a data row in place of names and names
    that differ only in case."""
    while header and not header[-1]:
        header.pop()
    values = [cell.lower() for cell in header[1:]]
    if (header[0].lower().endswith(IMAGE_SUFFIXES) or nfc(header[0]) in known_names
            or (values and all(value in BINARY_VALUES for value in values))):
        names = separator.join(["file", *(f"attribute{k}" for k in range(1, min(len(header), 3)))])
        raise _error(path, line, f"{separator.join(header)[:60]!r} looks like an image's row, not the column names: "
                     f"add a first line that names the columns, such as {names}")
    seen: dict[str, int] = {}
    for k, name in enumerate(header):
        if not name:
            continue
        key = name.casefold()
        if key in seen:
            other = header[seen[key]]
            same = "repeats" if other == name else "differs only in case from"
            meant = "is the split" if key == "partition" else "is meant"
            raise _error(path, line, f"column {k + 1} {name!r} {same} column {seen[key] + 1} {other!r}, so which "
                         f"one {meant} is ambiguous: rename one of them (e.g. {name + '_2'!r})")
        seen[key] = k
    return header


def _fit(path: Path, line: int, cells: list[str], header: list[str], separator: str) -> list[str]:
    """``cells`` as many as the header's names: empty trailing ones dropped, missing ones refused."""
    while len(cells) > len(header) and not cells[-1]:
        cells = cells[:-1]
    if len(cells) > len(header):
        name = separator.join(cells[:len(cells) - len(header) + 1])
        raise _error(path, line, f"has {len(cells)} values but the header names {len(header)} columns; if the file "
                     f"name holds {_shown(separator)} (as in {name!r}), put it in double quotes: \"{name}\"")
    if len(cells) < len(header):
        raise _error(path, line, f"has {len(cells)} values but the header names {len(header)} columns "
                     f"({', '.join(header)}): give every image a value in each column")
    return cells


def _shown(separator: str) -> str:
    return {"\t": "a tab", ",": "a comma", ";": "a semicolon"}.get(separator, repr(separator))


def _error(path: Path, line: int, problem: str) -> FolderFormatError:
    return FolderFormatError(f"{path}, line {line}: {problem}.")
