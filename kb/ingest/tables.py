"""Tables flattened one cell per paragraph, rebuilt into rows.

Word, WPS and most web pages, copied as text, give a table as a run of short
paragraphs: the header cells, then each row's cells.  Real ones are untidy: a cell
split over two paragraphs, a group cell written only on its group's first row, a
last column missing on some rows, the header repeated.  The rebuild:

1. finds a header: three or more short cells that name columns (序号, 指标名称, 单位,
   属性, 2025年目标, 主要部门 …), which gives the column count;
2. cuts the rows: where the first column numbers the rows, a row starts at the next
   number, so a row with a missing or a split cell cannot shift the ones after it;
3. aligns each row's cells to the columns by dynamic programming against what the
   columns hold in the tidy rows (numbers, body names, length), merging a split cell
   and leaving a missing one empty; an empty group column takes the value above.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from kb.ingest.clean import Block
from kb.text.dates import YEAR
from kb.text.normalize import squash
from kb.text.patterns import RE_ANNEX, heading_family

#: Words that name a column.  A header cell is short and contains one of them.
HEADER_WORDS = (
    "序号", "编号", "序", "指标", "名称", "单位", "属性", "类别", "类型", "领域", "方面", "分类", "项目",
    "任务", "工作", "内容", "措施", "部门", "牵头", "配合", "责任", "说明", "指引", "备注", "目标", "基准",
    "现状", "预期", "规划", "完成", "时限", "时间", "年份", "值", "数量", "规模", "地区", "区域", "主体",
)
#: Headers of a column that numbers the rows.
NUMBER_HEADERS = ("序号", "编号", "序", "任务编号", "项目编号", "指标编号")
#: Headers of a column that names responsible bodies (单位 alone is a unit of measure).
DEPT_HEADERS = ("部门", "责任", "牵头", "配合", "主体", "实施单位", "主办")
#: Headers of a column whose cell is written once for a group of rows.
GROUP_WORDS = ("类别", "类型", "领域", "方面", "分类", "分项", "板块", "维度")
_YEAR_HEADER = re.compile(rf"^{YEAR}年")
_NUMBER = re.compile(r"^\d{1,3}$")
_DEPT = re.compile(r"(?:局|委|厅|办|政府|委员会|管委会|部门|中心|公司|集团|街镇|机关)[，,、]?$")
#: A cell piece ending like this continues in the next paragraph.
_CONTINUES = re.compile(r"[、，,和与及的或（(/]$")
MAX_HEADER_CELL = 14
MAX_CELL = 120


@dataclass(frozen=True)
class _Cell:
    text: str
    block: Block


def _is_header_cell(text: str) -> bool:
    t = squash(text)
    return 0 < len(t) <= MAX_HEADER_CELL and (any(w in t for w in HEADER_WORDS) or bool(_YEAR_HEADER.match(t)))


def _is_cell(b: Block) -> bool:
    """A paragraph short enough to be a table cell, and not a heading of the document."""
    if b.rows is not None or b.heading is not None or b.display:
        return False
    t = squash(b.text)
    if not t or len(t) > MAX_CELL or t.startswith(("注：", "注:", "说明：")) or RE_ANNEX.match(t):
        return False
    fam = heading_family(t)
    return fam is None or fam[0] == "arabic" and len(t) <= 40


def rebuild_flat_tables(blocks: list[Block]) -> list[Block]:
    """Replace each run of cell paragraphs that starts with a header by one table block."""
    out: list[Block] = []
    i = 0
    while i < len(blocks):
        table, used = _table_at(blocks, i)
        if table is None:
            out.append(blocks[i])
            i += 1
            continue
        out.append(table)
        i += used
    return out


def _table_at(blocks: list[Block], i: int) -> tuple[Block | None, int]:
    header: list[str] = []
    k = i
    while k < len(blocks) and _is_cell(blocks[k]) and _is_header_cell(blocks[k].text):
        header.append(squash(blocks[k].text))
        k += 1
    if len(header) < 3 or any(h in NUMBER_HEADERS for h in header[1:]):
        return None, 0  # fewer than three columns, or a caption before the header proper
    numbered = header[0] in NUMBER_HEADERS
    cells: list[_Cell] = []
    j = k
    repeats = 0
    while j < len(blocks) and _is_cell(blocks[j]):
        if [squash(b.text) for b in blocks[j:j + len(header)]] == header:
            j += len(header)  # the header again, as a table continued on the next page repeats it
            repeats += len(header)
            continue
        cells.append(_Cell(squash(blocks[j].text), blocks[j]))
        j += 1
    rows = _cut_numbered(cells, len(header)) if numbered else _cut_fixed(cells, len(header))
    if len(rows) < 2 and not (rows and numbered):
        return None, 0
    consumed = sum(len(r) for r in rows)
    last_cell = rows[-1][-1].block
    consumed = next(p for p in range(j - k, 0, -1) if blocks[k + p - 1] is last_cell)
    texts = [[c.text for c in r] for r in rows]
    aligned = align_rows(header, texts)
    first, last = blocks[i], last_cell
    original = "\n".join(b.original or b.text for b in blocks[i:k + consumed])
    block = Block("", page=first.page, page_end=last.page_end or last.page, rows=[header, *aligned],
                  original=original, extra={"flat": True, "row_pages": [None, *(r[0].block.page for r in rows)]})
    return block, k - i + consumed


def _cut_numbered(cells: list[_Cell], width: int) -> list[list[_Cell]]:
    """Rows that start at 1, 2, 3 …; the last row ends where its cells stop looking like its peers."""
    rows: list[list[_Cell]] = []
    if not cells or cells[0].text != "1":
        return rows
    expected = 1
    start = 0
    shortest = max(2, width - 2)
    pos = 1
    while pos <= len(cells):
        at_end = pos == len(cells)
        if at_end or (cells[pos].text == str(expected + 1) and pos - start >= shortest):
            rows.append(cells[start:pos])
            start, expected = pos, expected + 1
        pos += 1
    if rows:
        typical = sorted(len(r) for r in rows[:-1])[len(rows[:-1]) // 2] if len(rows) > 1 else width
        rows[-1] = rows[-1][: max(typical, width)]
    return rows


def _cut_fixed(cells: list[_Cell], width: int) -> list[list[_Cell]]:
    """Without a number column, rows are runs of exactly ``width`` cells."""
    n = len(cells) // width
    return [cells[r * width:(r + 1) * width] for r in range(n)]


# ------------------------------------------------------------------ alignment


@dataclass(frozen=True)
class _Profile:
    digits: float
    dept: float
    loglen: float
    empty: float


def _features(text: str) -> tuple[float, float, float]:
    return (
        float(bool(re.search(r"\d", text))),
        float(bool(_DEPT.search(text))),
        math.log1p(len(text)),
    )


def _profiles(header: list[str], rows: list[list[str]]) -> list[_Profile]:
    """What each column holds: body names by its header, numbers and length by its tidy cells.

    Medians, not means, so that a few misaligned rows among the tidy ones do not move them.
    """
    tidy = [r for r in rows if len(r) == len(header)]
    out = []
    for j, h in enumerate(header):
        vals = [r[j] for r in tidy if r[j]]
        dept = float(any(w in h for w in DEPT_HEADERS))
        if vals:
            feats = sorted(_features(v)[0] for v in vals)
            lens = sorted(_features(v)[2] for v in vals)
            out.append(_Profile(feats[len(feats) // 2], dept, lens[len(lens) // 2], 0.0))
        else:
            digits = float(bool(_YEAR_HEADER.match(h)) or any(w in h for w in ("目标", "基准", "现状", "值")))
            out.append(_Profile(digits, dept, math.log1p(12), 0.0))
    return out


def _cost(p: _Profile, text: str) -> float:
    d, dept, loglen = _features(text)
    return abs(d - p.digits) + 1.5 * abs(dept - p.dept) + 0.5 * abs(loglen - p.loglen)


def align_rows(header: list[str], rows: list[list[str]]) -> list[list[str]]:
    """Every row as exactly one cell per column (see the module docstring)."""
    profiles = _profiles(header, rows)
    group = [j for j, h in enumerate(header) if any(w in h for w in GROUP_WORDS)]
    out: list[list[str]] = []
    for r in rows:
        cells = r if len(r) == len(header) and _plausible(profiles, r) else _align(profiles, r, group)
        if out:
            for j in group:
                if not cells[j]:
                    cells[j] = out[-1][j]
        out.append(cells)
    return out


def _plausible(profiles: list[_Profile], row: list[str]) -> bool:
    return all(_cost(p, c) < 1.5 for p, c in zip(profiles, row, strict=True))


def _align(profiles: list[_Profile], cells: list[str], group: list[int]) -> list[str]:
    """The cheapest assignment of consecutive cells to columns: a column takes 0–3 pieces."""
    m, n = len(profiles), len(cells)
    inf = float("inf")
    best = [[inf] * (n + 1) for _ in range(m + 1)]
    back: list[list[int]] = [[0] * (n + 1) for _ in range(m + 1)]
    best[0][0] = 0.0
    for j in range(m):
        for i in range(n + 1):
            if best[j][i] == inf:
                continue
            for t in range(0, 4):
                if i + t > n:
                    break
                if t == 0:
                    c = 0.4 if j in group else (0.8 if j == m - 1 else 1.2)
                else:
                    pieces = cells[i:i + t]
                    c = _cost(profiles[j], "".join(pieces))
                    for a, b in zip(pieces, pieces[1:], strict=False):
                        c += 0.2 if _CONTINUES.search(a) or b.startswith(("（", "(")) else 0.7
                if best[j][i] + c < best[j + 1][i + t]:
                    best[j + 1][i + t] = best[j][i] + c
                    back[j + 1][i + t] = t
    if best[m][n] == inf:  # more pieces than 3 per column: keep them all, in the last column
        return [*cells[: m - 1], "".join(cells[m - 1:])] if n >= m else cells + [""] * (m - n)
    out = [""] * m
    i = n
    for j in range(m, 0, -1):
        t = back[j][i]
        out[j - 1] = "".join(cells[i - t:i])
        i -= t
    return out
