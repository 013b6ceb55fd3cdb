"""Markdown: plans kept in repositories and saved from websites as ``.md``.

The marks are read, not indexed: ``#`` headings become heading hints (their level is
evidence, their text still goes through the heading families), pipe tables become
table lines, and YAML front matter, banner quotes and ``<!-- -->`` markers become
preamble lines, so they never turn into clauses.  Emphasis, links and escapes are
reduced to their text.
"""

from __future__ import annotations

import re
from pathlib import Path

from kb.ingest.raw import Line, RawDocument, read_bytes, sha256_bytes
from kb.text.patterns import heading_family

_FRONT = re.compile(r"^---\s*$")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_QUOTE = re.compile(r"^\s{0,3}>\s?")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_LIST = re.compile(r"^\s{0,3}[-*+]\s+(?=\S)")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_HTML_BREAK = re.compile(r"<br\s*/?>", re.I)


def inline(text: str) -> str:
    """Markdown inline marks reduced to the words they mark."""
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _HTML_BREAK.sub(" ", text)
    for _ in range(2):  # **bold *nested***
        text = _EMPHASIS.sub(r"\2", text)
    return _ESCAPE.sub(r"\1", text)


def _cells(row: str) -> list[str]:
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [inline(c.strip()) for c in re.split(r"(?<!\\)\|", row)]


def markdown_lines(text: str) -> list[Line]:
    """The paragraphs of a markdown file, one :class:`Line` each (see the module docstring).

    Like a Word or web page, markdown marks its paragraphs (blank lines), so each is handed
    on whole; a line break inside a paragraph stays a line break (a cell or a title line).
    """
    text = _COMMENT.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    raw = text.split("\n")
    out: list[Line] = []
    para: list[str] = []
    tables = 0

    def flush() -> None:
        if para:
            out.extend(_split_title_lines(para))
            para.clear()

    i = 0
    if raw and _FRONT.match(raw[0]):
        end = next((k for k in range(1, len(raw)) if _FRONT.match(raw[k])), None)
        if end is not None:
            out.extend(Line(ln.strip()) for ln in raw[1:end] if ln.strip())
            i = end + 1
    while i < len(raw):
        ln = raw[i]
        nxt = raw[i + 1] if i + 1 < len(raw) else ""
        if "|" in ln and _TABLE_RULE.match(nxt):
            flush()
            rows = [_cells(ln)]
            i += 2
            while i < len(raw) and "|" in raw[i] and raw[i].strip():
                rows.append(_cells(raw[i]))
                i += 1
            width = max(len(r) for r in rows)
            tables += 1
            out.extend(Line("\t".join(r), cells=tuple(r + [""] * (width - len(r))), table=tables) for r in rows)
            continue
        if m := _HEADING.match(ln):
            flush()
            out.append(Line(inline(m.group(2)), heading=len(m.group(1))))
        elif not ln.strip():
            flush()
        elif _QUOTE.match(ln):
            para.append(inline(_QUOTE.sub("", ln)))
        elif _LIST.match(ln):
            para.append(inline(_LIST.sub("", ln)))
        else:
            para.append(inline(ln.strip()))
        i += 1
    flush()
    return out


def _split_title_lines(lines: list[str]) -> list[Line]:
    """One paragraph, unless a short numbered line stands directly above running text.

    Plans write a box item or a sub-heading on its own line with its body right below
    (``1. 新建公园工程`` / ``建设…``): that line is a title, not the start of the text.
    """
    out: list[Line] = []
    cur: list[str] = []
    for k, t in enumerate(lines):
        cur.append(t)
        titled = (k + 1 < len(lines) and len(t) <= 40 and t[-1] not in _RUNS_ON
                  and heading_family(re.sub(r"\s+", "", t)) is not None)
        if titled:
            out.append(Line("\n".join(cur)))
            cur = []
    if cur:
        out.append(Line("\n".join(cur)))
    return out


#: A line ending in one of these continues on the next line.
_RUNS_ON = "，、；：,;:（(“‘《"


def load_markdown(path: Path) -> RawDocument:
    """A markdown file: decoded like text (UTF-8 or GB18030), its marks read as above."""
    from kb.ingest.txt import _decode

    data = read_bytes(path)
    text, warning = _decode(data, path)
    return RawDocument(path, path.stem, sha256_bytes(data), "md", tuple(markdown_lines(text)),
                       (warning,) if warning else ())
