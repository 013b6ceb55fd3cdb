"""Indicator-table rows read by their headers: name, unit, baseline, targets, attribute.

Plans order these columns as they please (序号/指标名称/单位/属性/2025年基准/2030年目标,
or 编号/关键指标/2025年指标/2035年指标, or 类别/指标/2020年基准值/2025年目标/指标属性), so
every column is found by what its header says, never by its position.  The register and
the answer card both read rows through :func:`read_row`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from kb.text.dates import year_of
from kb.text.normalize import normalize
from kb.text.notation import search_form
from kb.text.sentences import sentences
from kb.text.targets import quantities, split_unit

__all__ = ["IndicatorRow", "name_forms", "name_match", "read_row", "states_quantity"]

_NO_VALUE = {"", "-", "—", "–", "/", "／", "无"}
_BASELINE = ("基准", "现状", "基期")
_TARGET = ("目标", "规划值", "预期值")
_ATTRIBUTES = ("约束性", "预期性")


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator as its row states it; "" where the row has no such column."""

    name: str
    unit: str
    baseline: str
    #: The baseline column's header (2020年基准值), which says what year the baseline is.
    baseline_label: str
    #: (deadline, cell) per target column, in the row's order: (到2025年, ≥96).
    targets: tuple[tuple[str, str], ...]
    attribute: str

    def targets_year(self, year: str | None) -> bool:
        """Whether one of the row's target columns is for ``year`` (2025 → a 2025年目标 column)."""
        return bool(year) and any(d == f"到{year}年" for d, _ in self.targets)

    def to_dict(self) -> dict:
        return {"name": self.name, "unit": self.unit, "baseline": self.baseline, "baseline_label": self.baseline_label,
                "targets": [{"deadline": d, "value": v} for d, v in self.targets], "attribute": self.attribute}


def _is_baseline(header: str) -> bool:
    return any(k in header for k in _BASELINE)


def _is_target(header: str) -> bool:
    """目标/规划值 columns, and year columns of a table of targets (2025年指标, 2035年)."""
    if _is_baseline(header):
        return False
    return any(k in header for k in _TARGET) or bool(re.fullmatch(r"\d{4}年(?:指标|值)?", header))


def read_row(columns: Sequence[tuple[str, str]]) -> IndicatorRow | None:
    """The indicator a table row states, or None when the row has no name or no target column."""
    cols = [(normalize(h).replace(" ", ""), v.strip()) for h, v in columns]
    name = next((v for h, v in cols if "名称" in h), None) or next(
        (v for h, v in cols if "指标" in h and not year_of(h) and "说明" not in h), None)
    targets = [(h, v) for h, v in cols if _is_target(h)]
    if not name or not targets:
        return None
    metric, unit = split_unit(name)
    unit = unit or next((v for h, v in cols if h == "单位" and v not in _NO_VALUE), "")
    base = next(((h, v) for h, v in cols if _is_baseline(h)), ("", ""))
    attr = next((v for h, v in cols if "属性" in h), "") or next((v for _, v in cols if v in _ATTRIBUTES), "")
    baseline = normalize(base[1])
    return IndicatorRow(
        name=metric, unit=unit, baseline="" if baseline in _NO_VALUE else baseline, baseline_label=base[0],
        targets=tuple((f"到{y}年" if (y := year_of(h)) else "", "" if normalize(v) in _NO_VALUE else normalize(v))
                      for h, v in targets),
        attribute=attr,
    )


def _bigrams(s: str) -> set[str]:
    s = re.sub(r"[\s*＊（）()、，,]", "", s)
    return {s[i: i + 2] for i in range(len(s) - 1)}


def name_forms(name: str) -> list[str]:
    """An indicator's name as a question may say it: without its brackets, and each bracket's
    own term (细颗粒物(PM2.5)浓度 → 细颗粒物浓度, pm2.5); units are not names."""
    s = re.sub(r"[*＊]", "", search_form(name))  # 森林覆盖率*: the mark calls a footnote
    inner = [x for x in re.findall(r"[（(]([^（）()]+)[）)]", s) if len(x) >= 2 and not re.fullmatch(r"[%‰a-zμ/\d²³]+", x)
             or re.search(r"[a-z]+\d", x)]
    outer = re.sub(r"[（(][^（）()]*[）)]", "", s)
    return [f for f in [outer, *inner] if len(f) >= 2]


def name_match(question: str, name: str) -> float:
    """How much of an indicator's name (in its best form) the question contains, 0–1, by char bigrams."""
    q = _bigrams(search_form(question))
    best = 0.0
    for form in name_forms(name):
        b = _bigrams(form)
        if b:
            best = max(best, len(b & q) / len(b))
    return best


def states_quantity(text: str, forms: Sequence[str]) -> bool:
    """Whether a sentence of ``text`` that names the indicator (one of its ``forms``) gives it a quantity."""
    for sentence in sentences(normalize(text)):
        if any(f in search_form(sentence) for f in forms) and quantities(sentence):
            return True
    return False
