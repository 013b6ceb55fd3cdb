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
* **docx** — a Word table, or for a quiz an exam paper: title, a 姓名/班级/得分
  line, questions grouped by type with the points of each, options A–D, then an
  answer key with explanations and citations.

A quiz as a table (xlsx, csv) has one column per option (选项A … 选项D) and the
answer as its letter, the layout exam systems import.  A register sheet gets an
autofilter on its header row, frozen with the header.
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
    "render_conversation_markdown",
    "write_conversation",
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
    "option_a": "选项A",
    "option_b": "选项B",
    "option_c": "选项C",
    "option_d": "选项D",
    "answer": "答案",
    "points": "分值",
    "explanation": "解析",
    "citation": "出处",
    "source_id": "来源编号",
    "source_text": "原文",
}
TYPE_NAMES_ZH = {"choice": "单项选择题", "fill": "填空题", "judge": "判断题"}
#: Points per question of each type on the exam paper; the order is the paper's order of sections.
POINTS = {"choice": 2, "fill": 2, "judge": 1}
SECTION_NUMBERS = "一二三四五六七八九十"
#: The line a candidate fills in at the top of the paper.
CANDIDATE_LINE = "姓名：____________　　班级：____________　　得分：________"
#: Register values shown in Chinese in its files (the row keys stay English for --json).
REGISTER_LABELS_ZH = {"source": {"table": "指标表", "clause": "条款"}}


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


def _labelled(rows: Sequence[Mapping], labels: Mapping[str, Mapping[str, str]] | None) -> list[Mapping]:
    """Rows with coded values (source: table) replaced by their labels (指标表) where ``labels`` has them."""
    if not labels:
        return list(rows)
    return [{**r, **{k: m.get(r.get(k), r.get(k)) for k, m in labels.items() if k in r}} for r in rows]


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
    if headers:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
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
    rows: Sequence[Mapping], headers: Mapping[str, str], path: Path | str, fmt: str, title: str = "",
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> Path:
    """Write ``rows`` (dicts) to ``path`` as csv / xlsx / md / docx; ``headers`` maps key → Chinese header.

    ``labels`` maps a column's coded values to what the file shows (REGISTER_LABELS_ZH).
    """
    path = Path(path)
    rows = _labelled(rows, labels)
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


def _answer_key(d: Mapping) -> str:
    """The answer as an exam system takes it: the letter of a choice item, the text otherwise."""
    options = list(d.get("options") or [])
    if d.get("type") == "choice" and d["answer"] in options:
        return LETTERS[options.index(d["answer"])]
    return str(d["answer"])


def points(d: Mapping) -> int:
    return POINTS.get(d.get("type", ""), 1)


def quiz_rows(items: Sequence) -> list[dict]:
    """Quiz items as flat table rows (QUIZ_HEADERS_ZH keys): one column per option, the answer's letter."""
    rows = []
    for it in items:
        d = _item(it)
        options = list(d.get("options") or []) if d["type"] == "choice" else []
        row = {k: d.get(k, "") for k in QUIZ_HEADERS_ZH}
        row.update({f"option_{c}": options[i] if i < len(options) else "" for i, c in enumerate("abcd")})
        row.update(type=TYPE_NAMES_ZH.get(d["type"], d["type"]), answer=_answer_key(d), points=points(d))
        rows.append(row)
    return rows


def _question_lines(n: int, d: Mapping) -> list[str]:
    head = f"{n}. {d['question']}"
    if d["type"] == "judge":
        head += "（　　）"
    head += f"（{points(d)}分）"
    lines = [head]
    if d["type"] == "choice":
        lines += [f"    {LETTERS[i]}. {o}" for i, o in enumerate(d["options"])]
    return lines


def paper_sections(items: Sequence) -> list[tuple[str, list[tuple[int, dict]]]]:
    """The paper's sections, one per question type in POINTS order, numbered 一、二、…; questions numbered 1…N.

    Each section's heading says its points: '一、单项选择题（每题2分，共10分）'.
    """
    ds = [_item(it) for it in items]
    order = [t for t in POINTS if any(d["type"] == t for d in ds)]
    order += [t for t in dict.fromkeys(d["type"] for d in ds) if t not in order]
    sections, n = [], 0
    for i, t in enumerate(order):
        group = [d for d in ds if d["type"] == t]
        numbered = []
        for d in group:
            n += 1
            numbered.append((n, d))
        each = points(group[0])
        name = TYPE_NAMES_ZH.get(t, t)
        sections.append((f"{SECTION_NUMBERS[i % 10]}、{name}（每题{each}分，共{each * len(group)}分）", numbered))
    return sections


def _paper_head(items: Sequence) -> str:
    total = sum(points(_item(it)) for it in items)
    return f"（共 {len(items)} 题，满分 {total} 分）"


def render_quiz_markdown(items: Sequence, title: str = "测验") -> str:
    """An exam paper in Markdown: the candidate line, sections by type with points, then the answer key."""
    sections = paper_sections(items)
    out = [f"# {title}", "", CANDIDATE_LINE, "", _paper_head(items), ""]
    for heading, numbered in sections:
        out += [f"## {heading}", ""]
        for n, d in numbered:
            first, *rest = _question_lines(n, d)
            out.append(first)
            out += [f"   - {line.strip()}" for line in rest]
            out.append("")
    out += ["## 答案与解析", ""]
    for _, numbered in sections:
        for n, d in numbered:
            out.append(f"{n}. **{_answer_label(d)}** {d['explanation']}")
    return "\n".join(out) + "\n"


def write_quiz_docx(items: Sequence, path: Path | str, title: str = "测验") -> Path:
    """A Word exam paper: title, 姓名/班级/得分, sections by type with points, options A–D, then the answer key."""
    from docx import Document
    from docx.shared import Pt

    path = Path(path)
    sections = paper_sections(items)
    doc = Document()
    doc.add_heading(title, level=0)
    doc.add_paragraph(CANDIDATE_LINE)
    doc.add_paragraph(_paper_head(items))
    for heading, numbered in sections:
        doc.add_heading(heading, level=2)
        for n, d in numbered:
            first, *rest = _question_lines(n, d)
            doc.add_paragraph(first)
            for line in rest:
                p = doc.add_paragraph(line.strip())
                p.paragraph_format.left_indent = Pt(24)
    doc.add_page_break()
    doc.add_heading("答案与解析", level=1)
    for _, numbered in sections:
        for n, d in numbered:
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


# ---------------------------------------------------------------------------
# Conversations
# ---------------------------------------------------------------------------


def render_conversation_markdown(turns: Sequence[Mapping], title: str = "问答记录") -> str:
    """A chat as Markdown: each question as a heading, the answer (plain text with its citation) below."""
    out = [f"# {title}", ""]
    for n, t in enumerate(turns, start=1):
        out += [f"## {n}. {t.get('question', '')}", "", str(t.get("answer", "")).replace("\n", "  \n"), ""]
        cites = [c for c in t.get("citations", []) if c]
        if len(cites) > 1:
            out += ["引用条款：", "", *[f"- [{i}] {c}" for i, c in enumerate(cites, start=1)], ""]
    return "\n".join(out)


def write_conversation(turns: Sequence[Mapping], path: Path | str, fmt: str, title: str = "问答记录") -> Path:
    """A chat (turns of question, answer, citations) as a Word document or a Markdown file."""
    path = Path(path)
    if fmt == "md":
        path.write_text(render_conversation_markdown(turns, title), encoding="utf-8")
        return path
    if fmt != "docx":
        raise ValueError(f"unknown format {fmt!r}; expected docx or md")
    from docx import Document

    doc = Document()
    doc.add_heading(title, level=0)
    for n, t in enumerate(turns, start=1):
        doc.add_heading(f"{n}. {t.get('question', '')}", level=2)
        for line in str(t.get("answer", "")).split("\n"):
            doc.add_paragraph(line)
        cites = [c for c in t.get("citations", []) if c]
        if len(cites) > 1:
            p = doc.add_paragraph()
            p.add_run("引用条款：").bold = True
            for i, c in enumerate(cites, start=1):
                doc.add_paragraph(f"[{i}] {c}", style="List Bullet")
    doc.save(path)
    return path
