"""Tables and quizzes as files people open in Excel, WPS, Word or a Markdown viewer.

* **csv** — UTF-8 *with* a byte-order mark: without it Excel and WPS guess the
  local code page and show Chinese as mojibake.

In csv and xlsx every text cell goes through :func:`spreadsheet_text`: a cell that
begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be read as a
formula by Excel, WPS or LibreOffice (plan text is not trusted), so it gets a
leading ``'`` (the OWASP rule), and xlsx cells are always typed as strings.
* **xlsx** — Chinese headers in bold, header row frozen, column widths from the
  content (a CJK character is two columns wide), long text wrapped.
* **md** — a pipe table; ``|`` in cells is escaped and line breaks become ``<br>``.
* **docx** — a Word table, or for a quiz an exam paper: title, numbered
  questions with options A–D, then an answer key with explanations and citations.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = [
    "FORMATS",
    "QUIZ_HEADERS_ZH",
    "TYPE_NAMES_ZH",
    "display_width",
    "spreadsheet_text",
    "quiz_rows",
    "render_csv",
    "render_markdown",
    "render_quiz_markdown",
    "write_quiz",
    "write_quiz_docx",
    "write_table",
]

FORMATS = ("csv", "xlsx", "md", "docx")
#: Widest an xlsx column gets (in Excel's character units); longer text wraps.
MAX_COL_WIDTH = 60
MIN_COL_WIDTH = 6
LETTERS = "ABCDEFGH"

QUIZ_HEADERS_ZH = {
    "id": "编号",
    "type": "题型",
    "question": "题目",
    "options": "选项",
    "answer": "答案",
    "explanation": "解析",
    "citation": "出处",
    "source_id": "来源编号",
    "source_text": "原文",
}
TYPE_NAMES_ZH = {"choice": "单项选择题", "fill": "填空题", "judge": "判断题"}


def display_width(text: str) -> int:
    """Columns a string takes in a monospaced grid: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return str(value)


#: What makes a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value) -> str:
    """A cell's text as a spreadsheet must show it: never a formula, whatever the plan says."""
    text = _cell(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# ---------------------------------------------------------------------------
# Generic tables
# ---------------------------------------------------------------------------


def render_csv(rows: Sequence[Mapping], headers: Mapping[str, str]) -> str:
    """CSV text (no BOM) with the Chinese header row; for stdout."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([spreadsheet_text(h) for h in headers.values()])
    for row in rows:
        # A bare CR would end the record (the writer quotes only what its "\n" terminator holds).
        writer.writerow([spreadsheet_text(row.get(k)).replace("\r\n", "\n").replace("\r", "\n") for k in headers])
    return buf.getvalue()


def _md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def render_markdown(rows: Sequence[Mapping], headers: Mapping[str, str]) -> str:
    """A Markdown pipe table of ``rows`` with the Chinese ``headers`` (keys pick and order columns)."""
    lines = [
        "| " + " | ".join(_md_escape(h) for h in headers.values()) + " |",
        "|" + "|".join(" --- " for _ in headers) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(_md_escape(_cell(row.get(k))) for k in headers) + " |")
    return "\n".join(lines) + "\n"


def _write_xlsx(rows: Sequence[Mapping], headers: Mapping[str, str], path: Path, title: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31] or "Sheet1"
    ws.append([_xlsx_value(h) for h in headers.values()])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for row in rows:
        ws.append([_xlsx_value(row.get(k)) for k in headers])
    for line in ws.iter_rows():
        for cell in line:
            if cell.data_type != "n":
                cell.data_type = "s"  # openpyxl types any text that starts with "=" as a formula
    wrap = Alignment(wrap_text=True, vertical="top")
    for col, key in enumerate(headers, start=1):
        cells = [_cell(r.get(key)) for r in rows]
        longest = max([display_width(headers[key])] + [max(map(display_width, c.split("\n"))) for c in cells if c])
        width = min(MAX_COL_WIDTH, max(MIN_COL_WIDTH, longest + 2))
        ws.column_dimensions[get_column_letter(col)].width = width
        if longest + 2 > MAX_COL_WIDTH or any("\n" in c for c in cells):
            for r in range(2, len(rows) + 2):
                ws.cell(row=r, column=col).alignment = wrap
    ws.freeze_panes = "A2"
    wb.save(path)


def _xlsx_value(value):
    """Numbers stay numbers (so Excel can sort them); everything else is text, never a formula."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return spreadsheet_text(value)


def _write_docx_table(rows: Sequence[Mapping], headers: Mapping[str, str], path: Path, title: str) -> None:
    from docx import Document

    doc = Document()
    if title:
        doc.add_heading(title, level=1)
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, headers.values(), strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(name).bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, key in zip(cells, headers, strict=True):
            cell.text = _cell(row.get(key))
    doc.save(path)


def write_table(
    rows: Sequence[Mapping], headers: Mapping[str, str], path: Path | str, fmt: str, title: str = ""
) -> Path:
    """Write ``rows`` (dicts) to ``path`` as csv / xlsx / md / docx; ``headers`` maps key → Chinese header."""
    path = Path(path)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if fmt == "csv":
        path.write_text(render_csv(rows, headers), encoding="utf-8-sig", newline="")
    elif fmt == "md":
        text = (f"# {title}\n\n" if title else "") + render_markdown(rows, headers)
        path.write_text(text, encoding="utf-8")
    elif fmt == "xlsx":
        _write_xlsx(rows, headers, path, title)
    else:
        _write_docx_table(rows, headers, path, title)
    return path


# ---------------------------------------------------------------------------
# Quizzes
# ---------------------------------------------------------------------------


def _item(item) -> dict:
    return item if isinstance(item, Mapping) else item.to_dict()


def _options_text(options: Sequence[str]) -> str:
    return "\n".join(f"{LETTERS[i]}. {o}" for i, o in enumerate(options))


def _answer_label(d: Mapping) -> str:
    """'B. 96%' for a choice item, the answer itself otherwise."""
    options = list(d.get("options") or [])
    if d.get("type") == "choice" and d["answer"] in options:
        return f"{LETTERS[options.index(d['answer'])]}. {d['answer']}"
    return str(d["answer"])


def quiz_rows(items: Sequence) -> list[dict]:
    """Quiz items as flat table rows (QUIZ_HEADERS_ZH keys): options lettered, type in Chinese."""
    rows = []
    for it in items:
        d = _item(it)
        rows.append({
            **{k: d.get(k, "") for k in QUIZ_HEADERS_ZH},
            "type": TYPE_NAMES_ZH.get(d["type"], d["type"]),
            "options": _options_text(d.get("options") or []) if d["type"] == "choice" else "",
            "answer": _answer_label(d),
        })
    return rows


def _question_lines(n: int, d: Mapping) -> list[str]:
    head = f"{n}. （{TYPE_NAMES_ZH.get(d['type'], d['type'])}）{d['question']}"
    if d["type"] == "judge":
        head += "（　　）"
    lines = [head]
    if d["type"] == "choice":
        lines += [f"    {LETTERS[i]}. {o}" for i, o in enumerate(d["options"])]
    return lines


def render_quiz_markdown(items: Sequence, title: str = "测验") -> str:
    """An exam paper in Markdown: numbered questions, options A–D, then the answer key."""
    ds = [_item(it) for it in items]
    out = [f"# {title}", ""]
    for n, d in enumerate(ds, start=1):
        first, *rest = _question_lines(n, d)
        out.append(first)
        out += [f"   - {line.strip()}" for line in rest]
        out.append("")
    out += ["## 答案与解析", ""]
    for n, d in enumerate(ds, start=1):
        out.append(f"{n}. **{_answer_label(d)}** {d['explanation']}")
    return "\n".join(out) + "\n"


def write_quiz_docx(items: Sequence, path: Path | str, title: str = "测验") -> Path:
    """A Word exam paper: title, numbered questions with options A–D, then the answer key."""
    from docx import Document
    from docx.shared import Pt

    path = Path(path)
    ds = [_item(it) for it in items]
    doc = Document()
    doc.add_heading(title, level=0)
    for n, d in enumerate(ds, start=1):
        first, *rest = _question_lines(n, d)
        doc.add_paragraph(first)
        for line in rest:
            p = doc.add_paragraph(line.strip())
            p.paragraph_format.left_indent = Pt(24)
    doc.add_page_break()
    doc.add_heading("答案与解析", level=1)
    for n, d in enumerate(ds, start=1):
        p = doc.add_paragraph()
        p.add_run(f"{n}. {_answer_label(d)}").bold = True
        p.add_run(f"　{d['explanation']}")
        if d.get("citation") and d["citation"] not in d["explanation"]:
            p.add_run(f"（出处：{d['citation']}）")
    doc.save(path)
    return path


def write_quiz(items: Sequence, path: Path | str, fmt: str, title: str = "测验") -> Path:
    """Write a quiz as an exam paper (docx, md) or as a table (csv, xlsx)."""
    path = Path(path)
    if fmt == "docx":
        return write_quiz_docx(items, path, title)
    if fmt == "md":
        path.write_text(render_quiz_markdown(items, title), encoding="utf-8")
        return path
    return write_table(quiz_rows(items), QUIZ_HEADERS_ZH, path, fmt, title)
