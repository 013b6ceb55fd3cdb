"""Quantified targets of plan text: quantities, units, comparators, metrics and deadlines.

Decisions (documented because they are choices, not facts):

* **Comparators** are normalised to one of ≥ > < ≤ =, the wording is kept in
  ``comparator_text``: 达到/达/不低于/不少于/提高到/…以上 → ≥; 高于/大于/超过 → >;
  低于/小于/少于 → <; 不高于/不超过/控制在/降至/…以下/…以内 → ≤ (以上/以下 include
  the number, as in Chinese legal usage); 保持在/稳定在/为/no word → =.  A change
  amount (下降15%, 提高5个百分点) keeps the verb in the metric and gets ≥, since a
  reduction target is a floor.
* **Retrospective** sentences (see :mod:`kb.text.dates`) yield no targets unless the
  same sentence also states a forward deadline.
* Years, ordinals (第3章), numbers inside 《书名》 or Latin codes (PM2.5, 5G) are not
  quantities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.text.chars import HAN
from kb.text.dates import YEAR, book_title_spans, date_phrases, inside, is_retrospective, strip_dates
from kb.text.normalize import normalize
from kb.text.sentences import sentences

__all__ = ["MAX_METRIC", "UNITS", "Target", "deadline_action", "find_targets", "parse_quantity", "split_unit"]

_BASE_UNITS = (
    "个百分点", "百分点", "%", "‰", "个月",
    "万吨/日", "吨/日", "万吨/年", "吨/年", "t/d", "t/a",
    "立方米/日", "立方米/秒", "m³/d", "m³/s", "立方米", "m³",
    "平方公里", "平方千米", "km²", "平方米", "m²", "公顷", "hm²", "亩",
    "千米", "公里", "km", "米",
    "千瓦时", "千瓦", "兆瓦", "MW", "kW",
    "微克/立方米", "μg/m³", "mg/m³", "mg/L", "分贝", "dB",
    "吨", "元", "辆", "个", "座", "家", "条", "处", "台", "套", "项", "所", "名", "人", "户",
    "次", "艘", "株", "棵", "天", "小时", "倍", "栋", "张", "块", "根", "段", "种", "批", "孔",
)
_MULTIPLIABLE = {"吨", "吨/日", "吨/年", "立方米", "立方米/日", "千瓦", "千瓦时", "元", "亩", "人", "辆",
                 "株", "棵", "平方米", "公顷", "户", "台", "套", "千米", "公里", "米", "次"}
UNITS = sorted(
    {*_BASE_UNITS, *(m + u for u in _MULTIPLIABLE for m in ("万", "亿")), "万", "亿"},
    key=len,
    reverse=True,
)
_UNIT_ALT = "|".join(re.escape(u) for u in UNITS)
_NUM = r"\d+(?:\.\d+)?(?:[-~～—至]\d+(?:\.\d+)?)?"
_QTY_RE = re.compile(
    rf"(?<![A-Za-z0-9_{{.·\-/第])(?P<num>{_NUM})(?P<unit>{_UNIT_ALT})(?![A-Za-z])"
)

#: Comparator words that end the text before a number, longest first → normalised symbol.
_PRE_COMPARATORS: dict[str, str] = {
    "不低于": "≥", "不少于": "≥", "不小于": "≥", "不高于": "≤", "不超过": "≤", "不大于": "≤",
    "不多于": "≤", "控制在": "≤", "控制到": "≤", "保持在": "=", "稳定在": "=", "维持在": "=",
    "提高到": "≥", "提高至": "≥", "提升到": "≥", "提升至": "≥", "增加到": "≥", "增加至": "≥",
    "增长到": "≥", "增长至": "≥", "下降到": "≤", "下降至": "≤", "降低到": "≤", "降低至": "≤",
    "减少到": "≤", "减少至": "≤", "压减到": "≤", "压减至": "≤", "降至": "≤", "降到": "≤",
    "达到": "≥", "高于": ">", "大于": ">", "超过": ">", "多于": ">", "低于": "<", "小于": "<",
    "少于": "<", "至少": "≥", "最多": "≤", "保持": "=", "稳定": "=", "为": "=", "约": "=",
    "达": "≥", "≥": "≥", ">=": "≥", "≤": "≤", "<=": "≤", ">": ">", "<": "<", "=": "=",
}
#: Change verbs: the number is an amount of change; the verb stays in the metric.
_CHANGE_VERBS = ("下降", "降低", "减少", "削减", "压减", "提高", "提升", "增长", "增加")
_POST_COMPARATORS: dict[str, str] = {
    "及以上": "≥", "以上": "≥", "及以下": "≤", "以下": "≤", "以内": "≤", "左右": "=",
}
_PRE_CMP_RE = re.compile(
    "(?:" + "|".join(re.escape(k) for k in sorted(_PRE_COMPARATORS, key=len, reverse=True)) + r")\s*$"
)
_CHANGE_RE = re.compile("(?:" + "|".join(_CHANGE_VERBS) + r")\s*$")
_POST_CMP_RE = re.compile("^(?:" + "|".join(sorted(_POST_COMPARATORS, key=len, reverse=True)) + ")")
_FROM_TO_RE = re.compile(r"^(?:以上|以下)?(?:提高|提升|增加|增长|下降|降低|减少|压减|降)(?:到|至)")
_BASELINE_REF_RE = re.compile(rf"(?:较|比|相比|相较于?|与)({YEAR}年(?:底|末)?)(?:相比|基础上)?")
_CLAUSE_BOUNDARY = "，,：:；;。！？!?"

_LEAD_RE = re.compile(
    r"^(?:[、，,：:；;）)\s]|和|及|并|且|同时|其中|力争|确保|争取|努力|预计|基本|逐步|进一步|实现"
    r"|到|将|均|分别|全市|全省|全县|全区|全域|我市|本市|各?县[（(]区[）)](?!级)|各县城|各城市|各地|市域|县域)+"
)
_TRAIL_RE = re.compile(
    r"(?:[、，,：:；;（(\s]|均|都|分别|必须|力争|确保|保持|稳定|持续|始终|的|由|从|共计|合计|总计|共)+$"
)
#: Longest metric kept whole; longer phrases are cut to the head after the last 等 or 、.
MAX_METRIC = 30


@dataclass(frozen=True)
class Target:
    """One quantified commitment found in a sentence: what, how compared, how much, by when."""

    metric: str
    comparator: str
    value: str
    unit: str
    baseline: str | None = None
    deadline: str | None = None
    #: The normalised sentence the target was found in.
    text: str = ""
    #: (start, end) of the comparator+quantity in ``text``.
    span: tuple[int, int] = (0, 0)
    #: The comparator as written (达…以上, 不低于, 控制在…以内); "" when the text has none.
    comparator_text: str = ""

    def to_dict(self) -> dict:
        """The commitment as JSON shows it (span and wording are for highlighting, not for readers)."""
        return {"metric": self.metric, "comparator": self.comparator, "value": self.value, "unit": self.unit,
                "deadline": self.deadline, "baseline": self.baseline, "text": self.text}


def _strip_dates(s: str) -> str:
    s = strip_dates(s)
    return _BASELINE_REF_RE.sub("", s)


def _clean_metric(s: str) -> str:
    """Trim a metric phrase to its noun core: no dates, hedges (力争), region prefixes, stray brackets."""
    s = _strip_dates(s)
    for _ in range(4):
        before = s
        s = _LEAD_RE.sub("", s)
        s = _TRAIL_RE.sub("", s)
        for lp, rp in (("（", "）"), ("(", ")")):
            if s.count(lp) > s.count(rp):
                s = s[s.rfind(lp) + 1:]
            if s.count(rp) > s.count(lp):
                s = s[: s.find(rp)] if not s.startswith(rp) else s[1:]
        if s.count("“") != s.count("”"):
            s = s.replace("“", "").replace("”", "")
        s = s.strip("\"' ")
        if s == before:
            break
    return s


def _head(metric: str) -> str:
    """Cut an over-long metric to its head: 'A、B、C等综合治理工程' → '综合治理工程'."""
    if len(metric) <= MAX_METRIC:
        return metric
    for sep in ("等", "、", "，"):
        if sep in metric:
            tail = _clean_metric(metric.rsplit(sep, 1)[1])
            if len(tail) >= 2:
                return tail
    return metric


def parse_quantity(s: str) -> tuple[str, str, str, str] | None:
    """Parse a cell such as '≥96', '<27.0', '100', '达到90%以上' into (comparator, value, unit, wording)."""
    s = normalize(s)
    m = re.search(rf"(?<![A-Za-z0-9.])(?P<num>{_NUM})(?P<unit>{_UNIT_ALT})?", s)
    if not m:
        return None
    pre = s[: m.start()]
    post = s[m.end():]
    cmp_, words = _comparator(pre, post)
    return cmp_, m.group("num"), m.group("unit") or "", words


def _comparator(pre: str, post: str) -> tuple[str, str]:
    """Normalised comparator and its wording from the text just before and just after a number."""
    pm = _PRE_CMP_RE.search(pre)
    cm = None if pm else _CHANGE_RE.search(pre)
    qm = _POST_CMP_RE.match(post)
    pre_word = pm.group(0).strip() if pm else (cm.group(0).strip() if cm else "")
    post_word = qm.group(0) if qm else ""
    if post_word:
        symbol = _POST_COMPARATORS[post_word]
    elif pm:
        symbol = _PRE_COMPARATORS[pre_word]
    elif cm:
        symbol = "≥"
    else:
        symbol = "="
    wording = f"{pre_word}…{post_word}" if pre_word and post_word else pre_word or post_word
    return symbol, wording


def _clause_bounds(s: str, pos: int) -> tuple[int, int]:
    start = max(s.rfind(c, 0, pos) for c in _CLAUSE_BOUNDARY) + 1
    ends = [i for i in (s.find(c, pos) for c in _CLAUSE_BOUNDARY) if i != -1]
    return start, min(ends) if ends else len(s)


def quantities(s: str) -> list[str]:
    """The quantities (number and unit) a normalised text writes, outside dates, 《titles》 and codes."""
    protected = book_title_spans(s) + [(d.start, d.end) for d in date_phrases(s)]
    return [m.group(0) for m in _QTY_RE.finditer(s) if not inside(m.start(), protected)]


#: An amount of money: a number in digits, or in Chinese numerals ending in a power of ten, then 元
#: (3.5亿元, 200元/吨, 十万元); 二元结构 and 三元催化 are no amounts.
_MONEY_RE = re.compile(r"(?:\d(?:\s*[千万亿])?|[一二三四五六七八九十两]*[十百千万亿])\s*元(?![化素])")


def states_money(s: str) -> bool:
    """Whether a text states an amount of money: what a question asking 多少钱 or 罚多少 needs."""
    return bool(_MONEY_RE.search(normalize(s)))


def _sentence_targets(s: str, inherited: str | None) -> list[Target]:
    """Targets of one normalised sentence; ``inherited`` is the deadline carried from earlier sentences."""
    dates = date_phrases(s)
    forward = [(d.start, d.text) for d in dates if d.kind == "forward"]
    protected = book_title_spans(s) + [(d.start, d.end) for d in dates]
    qtys = [m for m in _QTY_RE.finditer(s) if not inside(m.start(), protected)]
    out: list[Target] = []
    prev_end, prev_clause, prev_metric = -1, (-1, -1), ""
    carried_baseline: tuple[str, int] | None = None
    for i, m in enumerate(qtys):
        clause = _clause_bounds(s, m.start())
        same_clause = clause == prev_clause
        seg_start = max(clause[0], prev_end) if same_clause else clause[0]
        next_start = qtys[i + 1].start() if i + 1 < len(qtys) else len(s)
        pre = s[seg_start: m.start()]
        post = s[m.end(): min(clause[1], next_start)]
        post = post.split("、", 1)[0]  # 充电站12座、充电桩3600个: the next item is not an attribute
        if re.search(r"(?:由|从)$", pre) and _FROM_TO_RE.match(post):
            carried_baseline = (m.group(0), m.start())  # 由95%提高到98%: 95% is where we start
            prev_clause = clause
            continue
        prev_end, prev_clause = m.end(), clause
        symbol, wording = _comparator(pre, post)
        pm = _PRE_CMP_RE.search(pre)
        core = pre[: pm.start()] if pm else pre
        if carried_baseline and carried_baseline[1] >= seg_start:
            core = s[seg_start: carried_baseline[1]]
        qm = _POST_CMP_RE.match(post)
        rest = post[qm.end():] if qm else post
        metric = _clean_metric(core)
        tail = _clean_metric(rest)
        loose = not pm or pm.group(0).strip() in ("约", "共")
        if loose and tail and re.match(f"[“{HAN}]", tail):
            # attributive: 实施25千米河道生态修复 → 实施河道生态修复 (cf. 建设水源涵养林50亩)
            metric = metric + tail if len(metric + tail) <= MAX_METRIC else tail
        metric = _head(metric)
        if not metric:
            metric = prev_metric if same_clause and prev_metric else tail
        if not metric:
            continue
        prev_metric = metric
        before = [p for a, p in forward if a < m.start()]
        deadline = before[-1] if before else (forward[0][1] if forward else inherited)
        ref = _BASELINE_REF_RE.search(s[clause[0]: m.start()])
        baseline = carried_baseline[0] if carried_baseline else (ref.group(1) if ref else None)
        carried_baseline = None
        if symbol == "≥" and m.group("unit") == "%" and m.group("num") == "100":
            symbol = "="  # 达到100%: nothing above a full rate
        span_start = seg_start + pm.start() if pm else m.start()
        span_end = m.end() + (qm.end() if qm else 0)
        out.append(Target(metric, symbol, m.group("num"), m.group("unit"), baseline, deadline,
                          s, (span_start, span_end), wording))
    return out


_UNIT_PAREN_RE = re.compile(r"[（(]([^（）()]+)[）)]$")
_UNIT_LIKE_RE = re.compile(rf"(?:{_UNIT_ALT}|[A-Za-zμ/³²·%‰]+)")


def split_unit(name: str) -> tuple[str, str]:
    """Split an indicator name into (metric, unit): '城镇污水处理率(%)' → ('城镇污水处理率', '%').

    Only a trailing bracket that looks like a unit is taken, so '生态质量指数(新EI)(%)'
    keeps '(新EI)' in the metric.
    """
    name = normalize(name)
    m = _UNIT_PAREN_RE.search(name)
    if m and _UNIT_LIKE_RE.fullmatch(m.group(1)):
        return name[: m.start()].strip(), m.group(1)
    return name, ""


def deadline_action(sentence: str) -> tuple[str, str] | None:
    """(deadline, action) of a sentence with a forward deadline.

    '到2023年底，完成整治' → ('到2023年底', '完成整治').

    The action is the clause holding the deadline, minus the date and hedges; when the
    date stands alone ("到2025年，…") it is the next clause.
    """
    s = normalize(sentence)
    forward = [(d.start, d.end, d.text) for d in date_phrases(s) if d.kind == "forward"]
    if not forward:
        return None
    a, b, phrase = forward[0]
    start, end = _clause_bounds(s, a)
    action = _clean_metric(s[start:a] + s[b:end])
    while not action and end < len(s):
        start, end = _clause_bounds(s, end + 1)
        action = _clean_metric(s[start:end])
    return phrase, action


def find_targets(text: str) -> list[Target]:
    """Quantified, forward-looking targets with metric, comparison, unit and deadline.

    Years, ordinals (第3章), numbers inside 《书名》 or Latin codes (PM2.5, 5G) are not
    quantities.  Retrospective sentences are skipped, and so are the sentences after
    one in the same text until a forward deadline appears.  A target takes the deadline
    stated before it in its sentence (else the first one after it), else the last
    deadline of an earlier sentence of the same text.
    """
    out: list[Target] = []
    inherited: str | None = None
    past = False
    for s in sentences(text):
        forward = [d.text for d in date_phrases(s) if d.kind == "forward"]
        if is_retrospective(s):
            past = True
            continue
        if forward:
            past = False
        elif past:  # a report goes on in the past tense until a forward date appears
            continue
        out.extend(_sentence_targets(s, inherited))
        if forward:
            inherited = forward[-1]
    return out


