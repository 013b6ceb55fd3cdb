"""The heading families of Chinese plans, each defined once.

第X篇/第X部分/第X章/第X节, 专栏 boxes, 前言, 第X条, and the numbered markers
一、 （一） 1. （1）.  Every module that needs to recognise or strip a heading
number imports it from here.
"""

from __future__ import annotations

import re

from kb.text.dates import YEAR

CN_NUM = "一二三四五六七八九十百零〇两"
RE_CHAPTER = re.compile(rf"^第([{CN_NUM}\d]+)章\s*(.*)$")
RE_SECTION = re.compile(rf"^第([{CN_NUM}\d]+)节\s*(.*)$")
RE_ARTICLE = re.compile(rf"^第([{CN_NUM}\d]+)条\s*(.*)$", re.S)
RE_BOX = re.compile(rf"^专栏\s*([{CN_NUM}\d]+)\s*(.*)$")
RE_FOREWORD = re.compile(r"^(前\s*言|序\s*言|引\s*言)$")
RE_HEADING_ANY = re.compile(
    rf"^(第[{CN_NUM}\d]+[章节]|专栏\s*[{CN_NUM}\d]+|前\s*言$|[{CN_NUM}]+、|（[{CN_NUM}]+）)"
)
#: A paragraph that opens with its own number (一、 （一） 1. （1） 第X条): never a continuation.
RE_NUMBERED = re.compile(
    rf"^(?:第[{CN_NUM}\d]+[章节条]|[{CN_NUM}]+、|[（(][{CN_NUM}\d]{{1,3}}[）)]|\d{{1,2}}[.．、](?!\d))"
)

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

RE_HANZI_1 = re.compile(rf"^([{CN_NUM}]+)、(.*)$", re.S)
RE_HANZI_2 = re.compile(rf"^[（(]([{CN_NUM}]+)[）)](.*)$", re.S)
RE_ARABIC_1 = re.compile(r"^(\d{1,2})[.．、](?!\d)(.*)$", re.S)
RE_ARABIC_2 = re.compile(r"^[（(](\d{1,2})[）)](.*)$", re.S)
#: The number a paragraph opens with, as printed: 一、 （一） 1. （1）.
RE_MARKER = re.compile(rf"^\s*(?:[{CN_NUM}]+、|[（(][{CN_NUM}\d]{{1,3}}[）)]|\d{{1,2}}[.．、](?!\d))")


#: A penalty provision cites the article it enforces: 违反本条例第四十三条第一款规定 (本办法, 本规定…).
_RE_BREACH = re.compile(rf"违反本(?:条例|办法|规定|细则|法|决定)(第[{CN_NUM}\d]+条)")


def breached_articles(text: str) -> list[int]:
    """The numbers of this regulation's articles whose breach ``text`` punishes, in order, each once.

    第六十五条 违反本条例第四十三条第一款规定，按照以下规定处罚 → [43]: the penalty article and
    the rule it enforces share their words, and which one answers depends on what is asked.
    """
    found = [cn2int(m.group(1)[1:-1]) for m in _RE_BREACH.finditer(text)]
    return list(dict.fromkeys(found))


#: A glossary entry: an optional number, the term, then 指 / 是指 (19.房票安置。指由房屋征收部门出具…).
_RE_DEFINITION = re.compile(
    rf"^(?:\d{{1,3}}[.．、]\s*|[（(][{CN_NUM}\d]{{1,3}}[）)]\s*)?(?P<term>[^。：:，,；;\n]{{2,30}}?)\s*(?:[。：:，,]\s*(?:是指|系指|指)|是指|系指)"
)


def defined_term(text: str) -> str | None:
    """The term a glossary entry defines (19.房票安置。指… → 房票安置), else None.

    The term must end where the definition starts: 指导 or 指标 later in a sentence is no entry.
    """
    m = _RE_DEFINITION.match(text.strip())
    if not m:
        return None
    rest = text.strip()[m.end():]
    if rest[:1] in ("导", "标", "挥", "引", "南", "定", "数", "令", "出"):
        return None
    term = re.sub(rf"^第[{CN_NUM}\d]+条\s*", "", m.group("term")).split("所称")[-1]  # 第三条 本条例所称河长制
    return re.sub(r"[“”\"'《》「」\s]", "", term) or None


def article_number(title: str) -> int | None:
    """The number of a 第X条 heading (第四十三条 在饮用水水源保护区内禁止下列行为 → 43), else None."""
    m = RE_ARTICLE.match(title)
    return cn2int(m.group(1)) if m else None


def cn2int(s: str) -> int:
    """Chinese or Arabic numeral to int: 十二 → 12, 二十一 → 21, 7 → 7."""
    if s.isdigit():
        return int(s)
    total, num = 0, 0
    for ch in s:
        if ch == "十":
            total += (num or 1) * 10
            num = 0
        elif ch == "百":
            total += (num or 1) * 100
            num = 0
        else:
            num = _DIGITS.get(ch, 0)
    return total + num


_NUMBER_PREFIX = re.compile(rf"^(?:第[{CN_NUM}\d]+[章节]|专栏\s*[{CN_NUM}\d]+)\s*")


def strip_heading_number(title: str) -> str:
    """A heading without its number: 第六章 加强生态保护 → 加强生态保护; 专栏五 … → …."""
    return _NUMBER_PREFIX.sub("", title)


# ------------------------------------------------------------ families
#
# A heading family is a way of numbering one level of a plan.  Which families a
# document uses, and how they nest, is learned per document (kb.ingest.segment);
# here is only what each family looks like.

#: Families whose headings are always structural, whatever their length or position.
STRONG = ("pian", "bufen", "zhang", "jie")
#: Families that number enumerations as often as headings.
MARKERS = ("hanzi", "phanzi", "arabic", "parabic")

_FAMILY_RES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("pian", re.compile(rf"^第([{CN_NUM}\d]+)篇(?![章节条])\s*[:：、]?\s*")),
    ("bufen", re.compile(rf"^第([{CN_NUM}\d]+)部分\s*[:：、]?\s*")),
    ("zhang", re.compile(rf"^第([{CN_NUM}\d]+)章\s*")),
    ("jie", re.compile(rf"^第([{CN_NUM}\d]+)节\s*")),
    ("tiao", re.compile(rf"^第([{CN_NUM}\d]+)条(?=\s|[^款项])\s*")),
    ("box", re.compile(rf"^专栏\s*([{CN_NUM}\d]+)(?![\d.．])\s*[:：]?\s*")),
    ("hanzi", re.compile(rf"^([{CN_NUM}]+)、\s*")),
    ("phanzi", re.compile(rf"^[（(]([{CN_NUM}]+)[）)]\s*")),
    ("parabic", re.compile(r"^[（(](\d{1,2})[）)]\s*")),
    ("arabic", re.compile(r"^(\d{1,2})[.．、](?!\d)\s*")),
)
#: 前言/序言/引言 (letter-spaced too: 前 言).
RE_FOREWORD_LINE = re.compile(r"^(前\s*言|序\s*言|引\s*言)\s*$")
#: An annex: 附件 / 附件1 / 附件：… / 附表 / 附表2 / 附录 — the start of matter after the body.
RE_ANNEX = re.compile(rf"^(附\s*件|附\s*表|附\s*录)\s*([{CN_NUM}\d]*)\s*[:：]?\s*(.*)$")


def heading_family(text: str) -> tuple[str, int, int] | None:
    """(family, number, end of the marker) for a paragraph that opens with a heading number.

    ``text`` should be squashed (no layout whitespace inside words).  Returns None for
    running text.  第X条 is a family too (the articles of a regulation).
    """
    for name, rx in _FAMILY_RES:
        m = rx.match(text)
        if m:
            return name, cn2int(m.group(1)), m.end()
    return None


# ------------------------------------------------------------ signatures

#: The date under a document's signature: 2022年12月28日 (letter-spaced in some editions).
RE_SIGNATURE_DATE = re.compile(rf"^{YEAR}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日$")
#: How an issuing body's name ends.
_ISSUER_END = re.compile(r"(?:办公厅|办公室|人民政府|政府|委员会|管理局|局|委|厅|部|院|会)$")


def is_signature_line(text: str) -> bool:
    """A line of the signature that closes a notice or opinion: an issuer's name, or its date."""
    t = re.sub(r"\s+", "", text)
    return 0 < len(t) <= 30 and not re.search("[。；，：]", t) and bool(RE_SIGNATURE_DATE.match(t) or _ISSUER_END.search(t))
