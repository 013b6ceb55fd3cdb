"""Pure extraction over Chinese plan text: owners, deadlines and quantified targets.

Every function here maps a string to plain values: no I/O, no models, no state.
The patterns are general Chinese-plan grammar (lists joined by 、 and 等, the
suffixes 局/厅/委/办/部门/管委会/公司/政府, 到2025年 / 2022年底前, 不低于 / 达…以上
/ 控制在…以内), supplemented by a short gazetteer of department stems and of
Bazhong's five counties and districts.

Text is first :func:`normalize`-d: full-width digits become ASCII and layout
whitespace is dropped (the PDF text has "到 2025 年" and page breaks inside
words), except a single space between two Latin words/numbers.  Sentences,
targets and spans all refer to that normalised text.

Decisions (documented because they are choices, not facts):

* **Owners** — a list such as "生态环境、水利、交通、应急管理等相关职能部门" is
  returned as one owner per department with the head noun restored
  ("生态环境部门", "水利部门", …, "应急管理部门"); the joint phrase itself is not
  returned.  Unknown department stems count only inside an explicit list with 等
  ("税务、海关等部门"); a lone "X部门" needs a gazetteer stem.  A city name (X市)
  counts only as the acting subject of a clause ("广元市要…"), because
  "城市/全市/市场" make X市 hopeless elsewhere.  County/district names are two
  hanzi + 县/区 (three only right after punctuation and not after a verb),
  minus zone words such as 保护区/城区/示范区/园区/新区/地区 (blocked last
  characters); named zones (巴中经开区, 文旅新区, XX经济开发区) are owners.
  中心/站 count only as 市/县/省 + department stem (市环境监测站), never as
  facilities to be built.  Enterprises (…公司) and 企业/单位 in 督促…落实 /
  落实…主体责任 patterns are owners; bare 企业 elsewhere is not.
* **Deadlines** — forward dates only (到2025年, 2022年底前, 2030年前, "十四五"期间/末,
  规划期内).  Baseline dates (截至2020年底) are excluded from
  :func:`find_deadlines` and returned by :func:`find_baseline_dates`; periods
  before the 14th five-year plan ("十三五"期间) are retrospective, not deadlines.
* **Comparators** are normalised to one of ≥ > < ≤ =, the wording is kept in
  ``comparator_text``: 达到/达/不低于/不少于/提高到/…以上 → ≥; 高于/大于/超过 → >;
  低于/小于/少于 → <; 不高于/不超过/控制在/降至/…以下/…以内 → ≤ (以上/以下 include
  the number, as in Chinese legal usage); 保持在/稳定在/为/no word → =.  A change
  amount (下降15%, 提高5个百分点) keeps the verb in the metric and gets ≥, since a
  reduction target is a floor.
* **Retrospective** sentences (截至/以来/累计/先后/首次/已建成…/成功/…了/"十三五",
  or a bare past year such as "2020年底，…") yield no targets unless the same
  sentence also states a forward deadline.  完成 alone is *not* a past marker:
  "2023年底前完成整治" is a commitment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "Target",
    "deadline_action",
    "find_baseline_dates",
    "find_deadlines",
    "find_owners",
    "find_places",
    "find_targets",
    "is_retrospective",
    "mark",
    "normalize",
    "parse_quantity",
    "sentences",
    "split_unit",
]

_H = "\u4e00-\u9fff"  # CJK unified ideographs
_LP = "[（(]"
_RP = "[）)]"

# ---------------------------------------------------------------------------
# Normalisation and sentences
# ---------------------------------------------------------------------------

_FULLWIDTH = str.maketrans("０１２３４５６７８９％．＜＞＝", "0123456789%.<>=")
_WS_RE = re.compile(r"\s+")
_SENT_RE = re.compile(r"[^。；！？;!?]+(?:[。；！？;!?]+[”’」』）)]*|$)")


def normalize(text: str) -> str:
    """Drop layout whitespace (PDF line breaks, '到 2025 年') so patterns see one spelling."""
    text = text.translate(_FULLWIDTH)

    def _join(m: re.Match[str]) -> str:
        a = text[m.start() - 1] if m.start() else ""
        b = text[m.end()] if m.end() < len(text) else ""
        keep = a.isascii() and a.isalnum() and b.isascii() and b.isalnum()
        return " " if keep else ""

    return _WS_RE.sub(_join, text).strip()


def sentences(text: str) -> list[str]:
    """Split normalised text on 。；！？ (terminator and closing quotes kept with the sentence)."""
    out = []
    for m in _SENT_RE.finditer(normalize(text)):
        s = m.group(0).strip()
        if s and re.search(f"[{_H}0-9A-Za-z]", s):
            out.append(s)
    return out


# ---------------------------------------------------------------------------
# Deadlines
# ---------------------------------------------------------------------------

_YEAR = r"(?:19|20)\d{2}"
_MONTH_PART = r"(?:\d{1,2}月(?:底|末)?|上半年|下半年|底|末)"
_BEFORE = r"(?:前|以前|之前)"
_QUOTE_L = "[“\"「『‘]?"
_QUOTE_R = "[”\"」』’]?"
_PERIOD_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
#: First five-year period treated as forward-looking (the corpus is 14th-FYP plans).
EARLIEST_FORWARD_PERIOD = 14

_DEADLINE_RE = re.compile(
    rf"(?P<to>(?:到|(?<![年\-—~～])至){_YEAR}年{_MONTH_PART}?{_BEFORE}?)"
    rf"|(?P<before>{_YEAR}年{_MONTH_PART}?{_BEFORE})"
    rf"|(?P<base>(?:截至|截止到?){_YEAR}年{_MONTH_PART}?)"
    rf"|(?P<period>{_QUOTE_L}十(?P<n>[一二三四五六七八九])五{_QUOTE_R}(?:时期末|期间|末期|末|以来))"
    r"|(?P<plan>规划期(?:内|末|间)|规划期满前)"
)


def _deadline_spans(s: str) -> list[tuple[int, int, str, str]]:
    """All date phrases in normalised ``s`` as (start, end, text, kind) with kind forward/baseline/past."""
    out = []
    for m in _DEADLINE_RE.finditer(s):
        if m.group("base"):
            kind = "baseline"
        elif m.group("period"):
            forward = _PERIOD_NUM[m.group("n")] + 10 >= EARLIEST_FORWARD_PERIOD
            kind = "forward" if forward and not m.group(0).endswith("以来") else "past"
        else:
            kind = "forward"
        out.append((m.start(), m.end(), m.group(0), kind))
    return out


def _dates(text: str, kind: str) -> list[str]:
    seen: dict[str, None] = {}
    for _, _, phrase, k in _deadline_spans(normalize(text)):
        if k == kind:
            seen.setdefault(phrase, None)
    return list(seen)


def find_deadlines(text: str) -> list[str]:
    """Forward deadlines (到2025年, 2022年底前, "十四五"期间 …), normalised, in order, deduplicated."""
    return _dates(text, "forward")


def find_baseline_dates(text: str) -> list[str]:
    """Baseline dates (截至2020年底 …): the state a plan starts from, never a deadline."""
    return _dates(text, "baseline")


# ---------------------------------------------------------------------------
# Retrospective (past-tense) sentences
# ---------------------------------------------------------------------------

_PAST_RE = re.compile(
    r"截至|截止|以来|累计|先后|首次|已经|成功"
    r"|(?<![对将把化])已(?:建成|完成|实现|达到|形成|获|取得|通过|纳入|出台|全面)"
    r"|(?<![为除])了(?!解)"
    rf"|{_QUOTE_L}十[一二三]五{_QUOTE_R}"
)
_YEAR_RE = re.compile(rf"{_YEAR}(?=年)")
_BOOK_RE = re.compile(r"《[^》]*》")
_REF_BEFORE_RE = re.compile(r"(?:较|比|相比|相较于?|与|以|自|从|[-—~～、])$")
_REF_AFTER_RE = re.compile(r"^年(?:为基准|基准|相比|比|起|开始|至|[-—~～])")


def _protected(s: str) -> list[tuple[int, int]]:
    """Spans where numbers are names, not quantities: book titles 《…》."""
    return [(m.start(), m.end()) for m in _BOOK_RE.finditer(s)]


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)


def _bare_past_year(s: str, dates: list[tuple[int, int, str, str]]) -> bool:
    """A year not inside a date phrase, a reference (较2020年) or a title pins the sentence to the past."""
    taken = [(a, b) for a, b, _, _ in dates] + _protected(s)
    for m in _YEAR_RE.finditer(s):
        if _inside(m.start(), taken):
            continue
        if _REF_BEFORE_RE.search(s[: m.start()]) or _REF_AFTER_RE.match(s[m.end():]):
            continue
        return True
    return False


def is_retrospective(sentence: str) -> bool:
    """True for sentences reporting the past (截至2020年底…建成) unless they state a forward deadline."""
    s = normalize(sentence)
    dates = _deadline_spans(s)
    if any(kind == "forward" for *_, kind in dates):
        return False
    if any(kind in ("baseline", "past") for *_, kind in dates):
        return True
    return bool(_PAST_RE.search(_BOOK_RE.sub("", s))) or _bare_past_year(s, dates)


# ---------------------------------------------------------------------------
# Quantities, comparators and targets
# ---------------------------------------------------------------------------

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
_UNITS = sorted(
    {*_BASE_UNITS, *(m + u for u in _MULTIPLIABLE for m in ("万", "亿")), "万", "亿"},
    key=len,
    reverse=True,
)
_UNIT_ALT = "|".join(re.escape(u) for u in _UNITS)
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
_BASELINE_REF_RE = re.compile(rf"(?:较|比|相比|相较于?|与)({_YEAR}年(?:底|末)?)(?:相比|基础上)?")
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


def _strip_dates(s: str) -> str:
    s = _DEADLINE_RE.sub("", s)
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


def _sentence_targets(s: str, inherited: str | None) -> list[Target]:
    """Targets of one normalised sentence; ``inherited`` is the deadline carried from earlier sentences."""
    dates = _deadline_spans(s)
    forward = [(a, p) for a, _, p, kind in dates if kind == "forward"]
    protected = _protected(s) + [(a, b) for a, b, _, _ in dates]
    qtys = [m for m in _QTY_RE.finditer(s) if not _inside(m.start(), protected)]
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
        if loose and tail and re.match(f"[“{_H}]", tail):
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
    forward = [(a, b, p) for a, b, p, kind in _deadline_spans(s) if kind == "forward"]
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
        forward = [p for *_, p, kind in _deadline_spans(s) if kind == "forward"]
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


# ---------------------------------------------------------------------------
# Owners
# ---------------------------------------------------------------------------

#: Department stems (longest match wins); a supplement to the suffix patterns.
DEPARTMENT_STEMS = (
    "生态环境", "环境保护", "环保", "发展改革", "发展和改革", "发改", "经济和信息化", "经信",
    "工业和信息化", "工信", "自然资源和规划", "自然资源", "规划和自然资源", "住房城乡建设",
    "住房和城乡建设", "城乡建设", "住建", "交通运输", "交通", "水利", "水务", "农业农村",
    "农业", "应急管理", "应急", "林业和草原", "林业", "林草", "卫生健康", "卫健", "公安", "财政",
    "市场监督管理", "市场监管", "商务", "文化广播电视和旅游", "文化和旅游", "文化旅游", "文广旅",
    "文旅", "教育和体育", "教育", "教体", "科学技术", "科技", "气象", "统计", "审计", "税务",
    "人力资源社会保障", "人社", "民政", "司法", "宣传", "网信", "城市管理", "城管",
    "综合行政执法", "综合执法", "能源", "国资", "乡村振兴", "医疗保障", "医保",
    "疾病预防控制", "疾控", "大数据", "政务服务", "机关事务", "邮政", "海事", "通信管理",
    "供销", "地方金融监管", "金融", "畜牧", "水文", "地震", "投资促进", "退役军人事务",
    "体育", "广电", "环境监测", "生态环境监测", "生态环境保护", "审判", "检察",
)
_STEMS_BY_LEN = sorted(DEPARTMENT_STEMS, key=len, reverse=True)
_STEM_ALT = "|".join(_STEMS_BY_LEN)

#: Bazhong's counties and districts by bare name (巴州、平昌等县（区） → 巴州区, 平昌县).
COUNTIES = {"巴州": "巴州区", "恩阳": "恩阳区", "南江": "南江县", "通江": "通江县", "平昌": "平昌县"}

_OWNER_SUFFIX_RE = re.compile(
    r"(?:局|厅|委|委员会|办|办公室|部门|管委会|公司|政府|县|区|单位|企业|机关|党委|支队|大队)$"
)
#: Verbs and function words that precede an owner and are not part of its name.
_LEAD_WORDS = (
    "实施", "推进", "督促", "支持", "鼓励", "引导", "要求", "推动", "组织", "指导", "会同", "协调",
    "依托", "落实", "加快", "加强", "强化", "建设", "引进", "培育", "促进", "确保", "增强", "发挥",
    "充分", "明确", "压实", "配合", "联合", "通过", "开展", "建立", "健全", "完善", "全面", "积极",
    "委托", "聘请", "引入", "邀请", "推广", "授权",
    "对", "由", "在", "和", "与", "及", "向", "将", "把", "使", "让", "为", "是", "的", "等", "或",
)
_LEAD_WORDS_RE = re.compile("(?:" + "|".join(sorted(_LEAD_WORDS, key=len, reverse=True)) + ")")
_GENERIC_QUALIFIERS = {"各", "各级", "市级", "县级", "省级", "有关", "相关", "职能", "国家", "市", "县", "省"}

# Blocked last characters before 区/县/市 (zone and common words: 保护区, 城区, 示范区 …).
_BLOCK_QU = set("护范城园地新景社辖片山库矿林牧灾老特市郊街校营能态控制展中居产心冲验集业游源险感治管"
                "陷害发外内边主副禁分小港厂点重各全本该两镇乡村类胜弱成行领苏济开质殊殖聚住商宅岸湖"
                "流海原线坡碳零排污染耕谷级型式性化试带域入出物院给一二三四五六七八九十")
_BLOCK_XIAN = set("全各本该每郡范点强级城市区贫困业大准态色型邻旧两")
_BLOCK_SHI = set("城全本该各每超上门股都型级")
_BLOCK_AFTER = {"县": set("级城域乡委长区里（("), "区": set("域划县级间位别分块系"),
                "市": set("场政民区级域容县内本委、（("), }
#: Characters that start a verb or function word rather than a place name (以南江县 → 南江县).
_CITY_ACTS_RE = re.compile(r"要|应|将|负责|牵头|统筹|组织|制定|推进|实施|开展|建立|加快|加强|全面|持续|积极")
_FUNC_CHARS = set("在对由与和及向从将把被给为支推促各全本该每即如若并且或其于至到以"
                  "形成建设立强加进完动展开实施督创争打造巩深优提改保控治整修规组落明确")
_ZONE_BLOCK = {"各类", "国家", "省级", "国级", "城市", "城镇", "建设", "规划", "重点", "工业", "经济",
               "开发", "产业", "推进", "加快", "全市", "设立"}

_GOV_RE = re.compile(
    rf"各级党委和政府|党委和政府|(?:巴中|四川)?[省市县]委(?:、|和)[省市县]?(?:人民)?政府"
    rf"|(?:巴中市|四川省|[{_H}]{{2}}[市县区]|各?县{_LP}区{_RP}|[省市县区]|各级)?人民政府"
    rf"|(?:各级|地方|本级|[省市县]|县{_LP}区{_RP})政府(?!采购|投资|购买|债|性|间|信息|工作报告)"
    rf"|各县{_LP}区{_RP}"
)
_GENERIC_DEPT_RE = re.compile(
    rf"(?:(?:县{_LP}区{_RP}|国家|市级|省级|县级|[市县省])(?:和|及))?"
    r"(?:各级|市级|县级|省级|国家|市政府|县政府|[市县省])?各?(?:有关|相关)?(?:职能)?部门"
    r"|各级各部门|各地各部门|各有关单位|有关单位|相关单位"
)
_AGENCY_RE = re.compile(
    rf"(?:巴中市|四川省|[省市县区])?(?:{_STEM_ALT})(?:局|厅|委员会|委|办公室|办|部门|机关|支队|大队)"
    rf"|(?:巴中市|四川省|[省市县])(?:{_STEM_ALT})(?:中心站|中心|站)"
    rf"|(?:巴中市|四川省|[省市县])(?P<gstem>[{_H}]{{2,6}}?)(?:局|厅)"
)
_ZONE_RE = re.compile(
    rf"(?:四川省?)?(?P<zstem>[{_H}]{{2}})"
    r"(?:经济技术开发区|高新技术产业开发区|经济开发区|经开区|高新区|新区|开发区)"
    r"(?:管委会|管理委员会)?"
)
_ORG_SUFFIX_RE = re.compile(r"(?:有限责任公司|股份有限公司|集团有限公司|有限公司|集团公司|公司|管委会)")
_PLACE_RE = re.compile(rf"(?=(?P<stem>[{_H}]{{2}})(?P<suf>[县区市]))")
_PLACE_LIST_RE = re.compile(
    rf"(?P<items>(?:[{_H}](?![县区市])[{_H}]、)+)(?P<last>[{_H}]{{2}})(?P<suf>[县区])"
)
_PLACE_ETC_RE = re.compile(rf"(?P<items>(?:[{_H}]{{2}}、)*[{_H}]{{2}})等(?:[{_H}]{{0,2}})?县{_LP}区{_RP}")
_RESP_RE = re.compile(
    r"由(?P<a>[^，。；：,;:]{2,30}?)(?:牵头|负责|组织实施|统筹)"
    r"|督促(?P<b>[^，。；：,;:]{2,20}?)(?:严格|切实|全面|依法|认真)?(?:落实|履行|承担)"
    rf"|(?:落实|压实|强化|明确)(?P<c>[{_H}]{{2,10}}?(?:企业|单位|公司|部门|政府))[{_H}]{{0,12}}?主体责任"
    r"|(?P<d>属地)负责"
)
_ACTOR_VERB_RE = re.compile(r"(?:牵头|负责|配合)(?!总)")


@dataclass(frozen=True)
class _Cand:
    start: int
    end: int
    names: tuple[str, ...]
    prio: int


def _trim_lead(run: str) -> str:
    """Cut a name candidate after the last verb/function word: '督促航运公司' → '航运公司'."""
    last = 0
    for m in _LEAD_WORDS_RE.finditer(run):
        last = m.end()
    return run[last:]


def _hanzi_run_before(s: str, end: int, limit: int = 20) -> int:
    """Start index of the hanzi/Latin run ending at ``end`` (at most ``limit`` chars back)."""
    i = end
    while i > 0 and end - i < limit and re.match(f"[{_H}A-Za-z0-9（）()]", s[i - 1]):
        i -= 1
    return i


def _place_ok(s: str, start: int, stem: str, suf: str, end: int) -> bool:
    block = {"县": _BLOCK_XIAN, "区": _BLOCK_QU, "市": _BLOCK_SHI}[suf]
    if stem[-1] in block or (stem[0] in _FUNC_CHARS and start > 0):
        return stem in COUNTIES
    after = s[end] if end < len(s) else ""
    if after in _BLOCK_AFTER[suf]:
        return False
    if suf == "市":  # X市 only as the subject of a clause: 城市/全市/市场 are everywhere else
        at_start = start == 0 or not re.match(f"[{_H}]", s[start - 1])
        return at_start and bool(_CITY_ACTS_RE.match(s, end))
    return True


def _starts_name(s: str, start: int) -> bool:
    """A name may start here: at a boundary, or after a verb/function word (推动南江、通江县)."""
    if start == 0 or not re.match(f"[{_H}]", s[start - 1]) or s[start - 1] in _FUNC_CHARS:
        return True
    return bool(re.search(f"(?:{_LEAD_WORDS_RE.pattern})$", s[max(0, start - 4): start]))


def _place_cands(s: str) -> list[_Cand]:
    out = []
    for m in _PLACE_RE.finditer(s):
        stem, suf = m.group("stem"), m.group("suf")
        start, end = m.start(), m.start() + 3
        if not _place_ok(s, start, stem, suf, end):
            continue
        # three-character names only right after punctuation and not after a function word
        if start >= 1 and re.match(f"[{_H}]", s[start - 1]) and s[start - 1] not in _FUNC_CHARS \
                and (start == 1 or not re.match(f"[{_H}]", s[start - 2])) and suf != "市":
            start -= 1
        out.append(_Cand(start, end, (s[start:end],), 3))
    for m in _PLACE_LIST_RE.finditer(s):
        last, suf = m.group("last"), m.group("suf")
        if not _place_ok(s, m.start("last"), last, suf, m.end()) or not _starts_name(s, m.start()):
            continue
        items = [x for x in m.group("items").split("、") if x]
        if all(x in COUNTIES or (x[-1] not in _BLOCK_QU | _BLOCK_XIAN) for x in items):
            names = tuple(COUNTIES.get(x, x + suf) for x in [*items, last])
            out.append(_Cand(m.start(), m.end(), names, 2))
    for m in _PLACE_ETC_RE.finditer(s):
        items = m.group("items").split("、")
        if all(x in COUNTIES or x[-1] not in _BLOCK_QU for x in items):
            out.append(_Cand(m.start(), m.end(), tuple(COUNTIES.get(x, x) for x in items), 2))
    return out


def _dept_list_cands(s: str) -> list[_Cand]:
    """'生态环境、水利、交通、应急管理等相关职能部门' → one '…部门' owner per listed department."""
    out = []
    for m in re.finditer("部门", s):
        start = m.start()
        while start > 0 and (re.match(f"[{_H}]", s[start - 1]) or s[start - 1] == "、"):
            start -= 1
        chunk = s[start: m.start()]
        tail = re.search(r"(等)?(?:相关|有关)?(?:职能)?$", chunk)
        has_etc = bool(tail and tail.group(1))
        items = [x for x in chunk[: tail.start() if tail else len(chunk)].split("、")]
        names, first_pos = [], None
        pos = start
        for k, item in enumerate(items):
            item_start = pos
            pos += len(item) + 1
            stem = next((g for g in _STEMS_BY_LEN if item.endswith(g)), None)
            if stem is None:  # unknown stems only inside an explicit list: 统计、审计等部门
                bare = _trim_lead(item)
                ok = 2 <= len(bare) <= 6 and "的" not in bare and bare not in _GENERIC_QUALIFIERS
                if not ok or not has_etc:
                    continue
                stem = bare
            elif k > 0 and item != stem:
                continue
            first_pos = item_start + len(item) - len(stem) if first_pos is None else first_pos
            names.append(stem + "部门")
        if names and first_pos is not None:
            out.append(_Cand(first_pos, m.end(), tuple(names), 2))
    return out


def _split_actors(x: str) -> list[str]:
    parts = re.split(r"、|和|及|与|会同", x)
    out = []
    for p in parts:
        p = _trim_lead(p.strip())
        if len(p) >= 2 and (_OWNER_SUFFIX_RE.search(p) or p in COUNTIES.values()):
            out.append(p)
    return out


def _responsibility_cands(s: str) -> list[_Cand]:
    out = []
    regions = []
    for m in _RESP_RE.finditer(s):
        key = next(k for k in "abcd" if m.group(k))
        regions.append((m.start(key), m.end(key), key == "d"))
    for m in _ACTOR_VERB_RE.finditer(s):  # 市生态环境局牵头, 政府负责, 各县（区）配合
        regions.append((_hanzi_run_before(s, m.start()), m.start(), False))
    for start, end, whole in regions:
        x = s[start:end]
        # each actor gets its own span, so a longer name found by another pattern wins
        for name in [x] if whole else _split_actors(x):
            pos = s.find(name, start, end)
            out.append(_Cand(pos, pos + len(name), (name,), 4))
    return out


def _org_cands(s: str) -> list[_Cand]:
    out = []
    for m in _ORG_SUFFIX_RE.finditer(s):
        start = _hanzi_run_before(s, m.start(), limit=16)
        name = _trim_lead(s[start: m.start()])
        if len(name) >= 2 and not name.endswith(("有限", "集团", "有限责任", "股份")):
            out.append(_Cand(m.start() - len(name), m.end(), (name + m.group(0),), 1))
    return out


#: A generic subject that opens a sentence and is told what to do: 各企业按照…制定, 排污单位要….
_SUBJECT_RE = re.compile(
    r"(?:^|(?<=[。；;！？]))(?P<who>(?:各|全市|所有|相关|重点)?(?:企业|工业企业|排污单位|重点排污单位|生产经营单位|"
    r"医疗机构|建设单位|施工单位|运营单位|责任单位))(?=要|应|须|必须|需|按照|依法|严格|负责|落实|制定|开展|做好)"
)


_BARE_PLACE_RE = re.compile("(" + "|".join(COUNTIES) + r")(?![县区河江州])")


def find_places(text: str) -> list[str]:
    """Counties named bare (推进通江5万千瓦风电项目 → 通江县), for questions that ask where or who.

    Kept out of find_owners: a bare name is often part of a product or place (通江食用菌),
    so it is only a fallback when a question asks for an owner and nothing else answers.
    """
    seen: dict[str, None] = {}
    for m in _BARE_PLACE_RE.finditer(normalize(text)):
        seen.setdefault(COUNTIES[m.group(1)], None)
    return list(seen)


def find_owners(text: str) -> list[str]:
    """Responsible bodies named in ``text``, in order of appearance, deduplicated.

    Covers governments (市人民政府, 各县（区）, 各级党委和政府), agencies (市生态环境局,
    …管委会), department lists (A、B等相关部门 → A部门, B部门), generic owners
    (县（区）和市级有关部门, 有关部门), counties/districts/zones (南江县, 巴中经开区),
    enterprises (…有限责任公司, 航运公司) and responsibility patterns (由…负责,
    …牵头, 属地负责, 督促…落实主体责任).
    """
    s = normalize(text)
    cands: list[_Cand] = []
    for rx, prio in ((_GOV_RE, 0), (_GENERIC_DEPT_RE, 1)):
        for m in rx.finditer(s):
            if rx is _GENERIC_DEPT_RE and not re.search("各|有关|相关|职能", m.group(0)):
                continue
            cands.append(_Cand(m.start(), m.end(), (m.group(0),), prio))
    for m in _AGENCY_RE.finditer(s):
        g = m.group("gstem")
        if g and (g[-1] in "格布大开结当变胜败全新时" or not re.match(f"[{_H}]", g)):
            continue
        cands.append(_Cand(m.start(), m.end(), (m.group(0),), 1))
    for m in _ZONE_RE.finditer(s):
        if m.group("zstem") not in _ZONE_BLOCK:
            cands.append(_Cand(m.start(), m.end(), (m.group(0),), 1))
    cands += _org_cands(s) + _dept_list_cands(s) + _place_cands(s) + _responsibility_cands(s)
    for m in _SUBJECT_RE.finditer(s):
        cands.append(_Cand(m.start("who"), m.end("who"), (m.group("who"),), 2))

    chosen: list[_Cand] = []
    for c in sorted(cands, key=lambda c: (-(c.end - c.start), c.prio, c.start)):
        if all(c.end <= o.start or c.start >= o.end for o in chosen):
            chosen.append(c)
    seen: dict[str, None] = {}
    for c in sorted(chosen, key=lambda c: c.start):
        for name in c.names:
            seen.setdefault(name, None)
    return list(seen)


# ---------------------------------------------------------------------------
# Display
# ---------------------------------------------------------------------------


def mark(text: str, terms: list[str] | tuple[str, ...] | set[str]) -> str:
    """Wrap each occurrence of ``terms`` in 【】 for display; longest term first, no overlaps."""
    taken: list[tuple[int, int]] = []
    for term in sorted({t for t in terms if t}, key=len, reverse=True):
        for m in re.finditer(re.escape(term), text):
            a, b = m.span()
            if all(b <= x or a >= y for x, y in taken):
                taken.append((a, b))
    out, pos = [], 0
    for a, b in sorted(taken):
        out += [text[pos:a], "【", text[a:b], "】"]
        pos = b
    out.append(text[pos:])
    return "".join(out)
