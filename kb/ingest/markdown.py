"""Markdown: plans kept in repositories and saved from websites as ``.md``.

The marks are read, not indexed: ``#`` headings become heading hints (their level is
evidence, their text still goes through the heading families), pipe tables become
table lines, and YAML front matter, banner quotes and ``<!-- -->`` markers become
preamble lines, so they never turn into clauses.  Emphasis, links and escapes are
reduced to their text.
"""

from __future__ import annotations

import re

from kb.ingest.lines import Line
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
    """The lines of a markdown file as the segmenter reads them (see the module docstring)."""
    text = _COMMENT.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    raw = text.split("\n")
    out: list[Line] = []
    i = 0
    if raw and _FRONT.match(raw[0]):
        end = next((k for k in range(1, len(raw)) if _FRONT.match(raw[k])), None)
        if end is not None:
            out.extend(Line(ln.strip()) for ln in raw[1:end] if ln.strip())
            out.append(Line(""))
            i = end + 1
    while i < len(raw):
        ln = raw[i]
        nxt = raw[i + 1] if i + 1 < len(raw) else ""
        if "|" in ln and _TABLE_RULE.match(nxt):
            # A pipe table: header, rule, rows.  Cells are joined by tabs, which the
            # text block builder reads as table rows.
            rows = [_cells(ln)]
            i += 2
            while i < len(raw) and "|" in raw[i] and raw[i].strip():
                rows.append(_cells(raw[i]))
                i += 1
            width = max(len(r) for r in rows)
            out.append(Line(""))
            out.extend(Line("\t".join(r + [""] * (width - len(r))), row=True) for r in rows)
            out.append(Line(""))
            continue
        if m := _HEADING.match(ln):
            out.append(Line(""))
            out.append(Line(inline(m.group(2)), heading=len(m.group(1))))
            out.append(Line(""))
        elif _QUOTE.match(ln):
            out.append(Line(inline(_QUOTE.sub("", ln))))
        elif _LIST.match(ln):
            out.append(Line(inline(_LIST.sub("", ln))))
        else:
            out.append(Line(inline(ln)))
        i += 1
    return _split_title_lines(out)


def _split_title_lines(lines: list[Line]) -> list[Line]:
    """A short numbered line directly above running text is a title, not the start of it.

    Markdown joins consecutive lines into one paragraph, but plans write a box item or a
    sub-heading on its own line with its body right below (``1. 新建公园工程`` / ``建设…``).
    """
    out: list[Line] = []
    for k, ln in enumerate(lines):
        out.append(ln)
        nxt = lines[k + 1] if k + 1 < len(lines) else None
        t = ln.text.strip()
        if (
            nxt is not None and nxt.text.strip() and t and ln.heading is None and not ln.row
            and not nxt.row and nxt.heading is None and len(t) <= 40 and t[-1] not in _RUNS_ON
            and heading_family(re.sub(r"\s+", "", t)) is not None
        ):
            out.append(Line(""))
    return out


#: A line ending in one of these continues on the next line.
_RUNS_ON = "，、；：,;:（(“‘《"
