"""Who is responsible: owners and places named in plan text.

The patterns are general Chinese-plan grammar (lists joined by 、 and 等, the
suffixes 局/厅/委/办/部门/管委会/公司/政府, X县/X区/X市 with guards), with the
department stems and lead words as vocabularies (:mod:`kb.lexicon`).  Places are
data, never code: names a plan uses bare (推动甲州、乙昌等县（区）…, 推进丙江风电项目)
and the province or city in front of an organ (X省…厅, X市委) are read with the
:class:`Places` of the plan, see :func:`learn_places`: what its own wording defines,
plus the national gazetteer (:mod:`kb.lexicon.gazetteer`) in the plan's scope — the
counties it names in full, the divisions above them, and the short forms of the
counties of its own city.

Decisions (documented because they are choices, not facts):

* A list such as "生态环境、水利、交通、应急管理等相关职能部门" is returned as one
  owner per department with the head noun restored ("生态环境部门", "水利部门", …,
  "应急管理部门"); the joint phrase itself is not returned.  Unknown department
  stems count only inside an explicit list with 等 ("税务、海关等部门"); a lone
  "X部门" needs a known stem.
* A city name (X市) counts only as the acting subject of a clause ("X市要…"),
  because "城市/全市/市场" make X市 hopeless elsewhere.  County/district names are
  two hanzi + 县/区 (three only right after punctuation and not after a verb),
  minus zone words such as 保护区/城区/示范区/园区/新区/地区 (blocked last
  characters); named zones (X经开区, X新区, XX经济开发区) are owners.
* A province or city in front of an agency or government (X省生态环境厅, X市委、
  市政府) is two hanzi + 省/市 that the plan also names on its own (learned).
* 中心/站 count only as 市/县/省 + department stem (市环境监测站), never as
  facilities to be built.  Enterprises (…公司) and 企业/单位 in 督促…落实 /
  落实…主体责任 patterns are owners; bare 企业 elsewhere is not.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kb.lexicon import lexicon
from kb.text.chars import HAN, LP, RP
from kb.text.normalize import normalize
from kb.text.patterns import CN_NUM

if TYPE_CHECKING:
    from kb.lexicon.gazetteer import Division, Gazetteer

__all__ = ["NO_PLACES", "Places", "find_assigned", "find_owners", "find_places", "learn_places", "owner_spans"]

_DEPARTMENTS = lexicon("departments")
#: Department stems, longest first (the longest match wins); a supplement to the suffix patterns.
_STEMS_BY_LEN = _DEPARTMENTS.longest_first()
_STEM_ALT = _DEPARTMENTS.pattern()

_OWNER_SUFFIX_RE = re.compile(
    r"(?:局|厅|委|委员会|办|办公室|部门|管委会|公司|政府|县|区|单位|企业|机关|党委|支队|大队)$"
)
#: Verbs and function words that precede an owner and are not part of its name.
_LEAD_WORDS_RE = re.compile(lexicon("owner_lead_words").pattern())
_GENERIC_QUALIFIERS = {"各", "各级", "市级", "县级", "省级", "有关", "相关", "职能", "国家", "市", "县", "省"}

# Blocked last characters before 区/县/市 (zone and common words: 保护区, 城区, 示范区 …).
_BLOCK_QU = set("护范城园地新景社辖片山库矿林牧灾老特市郊街校营能态控制展中居产心冲验集业游源险感治管泳"
                "陷害发外内边主副禁分小港厂点重各全本该两镇乡村类胜弱成行领苏济开质殊殖聚住商宅岸湖"
                "流海原线坡碳零排污染耕谷级型式性化试带域入出物院给一二三四五六七八九十")
_BLOCK_XIAN = set("全各本该每郡范点强级城市区贫困业大准态色型邻旧两")
_BLOCK_SHI = set("城全本该各每超上门股都型级")
_BLOCK_AFTER = {"县": set("级城域乡委长区里（("), "区": set("域划县级间位别分块系"),
                "市": set("场政民区级域容县内本委、（("), }
#: Characters that start a verb or function word rather than a place name (以X江县 → X江县).
_CITY_ACTS_RE = re.compile(r"要|应|将|负责|牵头|统筹|组织|制定|推进|实施|开展|建立|加快|加强|全面|持续|积极")
_FUNC_CHARS = set("在对由与和及向从将把被给为支推促各全本该每即如若并且或其于至到以指"
                  "形成建设立强加进完动展开实施督创争打造巩深优提改保控治整修规组落明确")
_ZONE_BLOCK = {"各类", "国家", "省级", "国级", "城市", "城镇", "建设", "规划", "重点", "工业", "经济",
               "开发", "产业", "推进", "加快", "全市", "设立"}
_HAN_RE = re.compile(f"[{HAN}]")

_GOV_RE = re.compile(
    rf"各级党委和政府|党委和政府|[省市县]委(?:、|和)[省市县]?(?:人民)?政府"
    rf"|(?:[{HAN}]{{2}}[市县区]|各?县{LP}区{RP}|乡镇|乡{LP}镇{RP}|[省市县区乡镇]|各级)?人民政府"
    rf"|(?:各级|地方|本级|[省市县]|县{LP}区{RP})政府(?!采购|投资|购买|债|性|间|信息|工作报告)"
    rf"|各县{LP}区{RP}"
)
_GENERIC_DEPT_RE = re.compile(
    rf"(?:(?:县{LP}区{RP}|国家|市级|省级|县级|[市县省])(?:和|及))?"
    r"(?:各级|市级|县级|省级|国家|市政府|县政府|[市县省])?各?(?:有关|相关)?(?:职能)?部门"
    r"|各级各部门|各地各部门|各有关单位|有关单位|相关单位"
)
_AGENCY_RE = re.compile(
    rf"(?:国家|[省市县区])?{_STEM_ALT}(?:总局|局|厅|委员会|委|办公室|办|部门|机关|支队|大队)(?:办公厅|办公室)?"
    rf"|[省市县]{_STEM_ALT}(?:中心站|中心|站)"
    rf"|[省市县](?P<gstem>[{HAN}]{{2,6}}?)(?:局|厅)"
)
_ZONE_RE = re.compile(
    rf"(?P<zstem>[{HAN}]{{2}})"
    r"(?:经济技术开发区|高新技术产业开发区|经济开发区|经开区|高新区|新区|开发区)"
    r"(?:管委会|管理委员会)?"
)
_ORG_SUFFIX_RE = re.compile(r"(?:有限责任公司|股份有限公司|集团有限公司|有限公司|集团公司|公司|管委会)")
_PLACE_RE = re.compile(rf"(?=(?P<stem>[{HAN}]{{2}})(?P<suf>[县区市]))")
_PLACE_LIST_RE = re.compile(
    rf"(?P<items>(?:[{HAN}](?![县区市])[{HAN}]、)+)(?P<last>[{HAN}]{{2}})(?P<suf>[县区])"
)
_PLACE_ETC_RE = re.compile(rf"(?<=[{HAN}])等(?:[{HAN}]{{0,2}})?县{LP}区{RP}")
_RESP_RE = re.compile(
    r"由(?P<a>[^，。；：,;:]{2,30}?)(?:牵头|负责|组织实施|统筹)"
    r"|督促(?P<b>[^，。；：,;:]{2,20}?)(?:严格|切实|全面|依法|认真)?(?:落实|履行|承担)"
    rf"|(?:落实|压实|强化|明确)(?P<c>[{HAN}]{{2,10}}?(?:企业|单位|公司|部门|政府))[{HAN}]{{0,12}}?主体责任"
    r"|(?P<d>属地)负责"
)
_ACTOR_VERB_RE = re.compile(r"(?:牵头|负责|配合)(?!总)")
_REGION_RE = re.compile(rf"(?=(?P<stem>[{HAN}]{{2}})[省市])")
#: What follows a region that heads an organ (X市人民政府, X省委, X市生态环境局) rather than naming a place.
_ORGAN_AFTER_RE = re.compile(rf"(?:人民)?政府|委|党委|{_STEM_ALT}")
#: Place suffixes a learned bare name stands for, and what may not follow a bare name
#: (X江河 is a river, X区 is the full name already).
_LEARNED_SUFFIXES = "县区"
_NOT_AFTER_BARE = "县区河江州"
#: What may not follow a gazetteer name that names the place (和平区域, 市场): the name is part of a word.
_NOT_AFTER_FULL = {"区": "域划间块", "市": "场", "县": "域"}
#: "Respectively" after a list of places (X区、Y区分别…), which the guard 区+分 would otherwise cut.
_RESPECTIVELY = "分别"
#: What may join two places of one enumeration (X县、Y区 / X县和Y县).
_PLACE_JOINS = ("、", "和", "及", "与")


# ---------------------------------------------------------------------------
# Places a corpus defines
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Places:
    """Places a corpus defines: counties/districts by bare stem (X江 → X江县) and regions (X省, X市)."""

    #: (bare stem, full name) of each county or district, sorted.
    counties: tuple[tuple[str, str], ...] = ()
    #: Provinces and cities (X省, X市) the corpus names on their own, or names a county of, sorted.
    regions: tuple[str, ...] = ()
    #: Full names of counties in scope whose short form is not known (ambiguous or too short).
    extra: tuple[str, ...] = ()

    @functools.cached_property
    def by_stem(self) -> dict[str, str]:
        return dict(self.counties)

    @functools.cached_property
    def full_names(self) -> frozenset[str]:
        return frozenset(full for _, full in self.counties) | frozenset(self.extra)

    @functools.cached_property
    def long_names(self) -> tuple[int, ...]:
        """Lengths of full names longer than three characters (七里河区, 石柱土家族自治县), longest first."""
        return tuple(sorted({len(n) for n in self.full_names | self.region_names if len(n) > 3}, reverse=True))

    @functools.cached_property
    def region_names(self) -> frozenset[str]:
        return frozenset(self.regions)

    @functools.cached_property
    def _bare_re(self) -> re.Pattern[str] | None:
        if not self.counties:
            return None
        stems = sorted(self.by_stem, key=len, reverse=True)
        return re.compile("(" + "|".join(map(re.escape, stems)) + f")(?![{_NOT_AFTER_BARE}])")

    def __contains__(self, stem: object) -> bool:
        return stem in self.by_stem

    def full(self, stem: str, default: str) -> str:
        """The full name a bare ``stem`` stands for, else ``default``."""
        return self.by_stem.get(stem, default)

    def to_dict(self) -> dict:
        return {"counties": dict(self.counties), "regions": list(self.regions), "extra": list(self.extra)}


#: No place known: bare names stay as written, no region prefix is recognised.
NO_PLACES = Places()


def learn_places(texts: Iterable[str]) -> Places:
    """The places a corpus defines, learned from its own wording, plus the gazetteer's in its scope.

    * A county or district (X县/X区 by the general rules) teaches its bare stem X
      when the text enumerates it with another place (X县、Y区 / X、Y县 / X县和Y县),
      because a lone X区 is as often a zone (商务区, 游泳区) as a district.  A stem
      with two different full names (X县 and X区) is ambiguous and not learned.
    * A region (two hanzi + 省/市 with the place guards) is learned where the text
      names it on its own, not only as the head of an organ ("X市位于…", 《X市…》),
      so that "已经市政府" or "省委省政府" never make a region of "已经" or "省委".
    * The gazetteer adds what the wording does not teach (see :func:`_gazetteer_scope`);
      a short form the wording learned keeps the wording's full name.

    Pass the texts of one document (or of the documents that share a gazetteer);
    the result is cached for the same texts.
    """
    return _learn(tuple(texts))


#: Documents whose places stay cached: one entry per document of an index, as answers ask again per question.
@functools.lru_cache(maxsize=256)
def _learn(texts: tuple[str, ...]) -> Places:
    """Learned once per machine for the same texts: the gazetteer's scope costs ~90 ms of a cold ``kb ask``.

    The memo (``$KB_HOME/places``) is keyed by the texts and by the files that define the result
    (this module, the gazetteer and its data), so a changed rule or code table learns afresh.
    """
    folder, key = _memo_key(texts)
    if folder is not None:
        found = _memo_read(folder / f"{key}.json")
        if found is not None:
            return found
    places = _learn_now(texts)
    if folder is not None:
        _memo_write(folder / f"{key}.json", places)
    return places


def _memo_key(texts: tuple[str, ...]):
    import hashlib
    from pathlib import Path

    from kb.config import Config
    from kb.lexicon import gazetteer

    digest = hashlib.sha256()
    try:
        for source in (Path(__file__), Path(gazetteer.__file__), gazetteer.data_file()):
            st = source.stat()
            digest.update(f"{source}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    except (OSError, gazetteer.GazetteerError):
        return None, ""
    for t in texts:
        digest.update(t.encode("utf-8", "surrogatepass") + b"\0")
    return Config.from_env().home / "places", digest.hexdigest()[:32]


def _memo_read(path) -> Places | None:
    import json

    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        return Places(tuple(sorted((str(a), str(b)) for a, b in d["counties"].items())),
                      tuple(str(r) for r in d["regions"]), tuple(str(e) for e in d["extra"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _memo_write(path, places: Places) -> None:
    import json
    import os
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".places.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(places.to_dict(), fh, ensure_ascii=False)
        os.replace(tmp, path)
    except OSError:
        pass


def _learn_now(texts: tuple[str, ...]) -> Places:
    full: dict[str, set[str]] = {}
    regions: set[str] = set()
    for text in texts:
        s = normalize(text)
        for name in _listed_places(s):
            if name[-1] in _LEARNED_SUFFIXES and len(name) >= 3:
                full.setdefault(name[:-1], set()).add(name)
        regions.update(_standalone_regions(s))
    learned = {stem: names.pop() for stem, names in full.items() if len(names) == 1}
    named, home, heads = _gazetteer_scope(texts)
    # The gazetteer adds, by short form, the counties of the document's own city that its wording
    # did not teach; a short form the corpus gave another name, or two counties share, is left out.
    # Every other county it names in full is known by that full name only.
    by_short: dict[str, set[str]] = {}
    for d in home:
        if d.short:
            by_short.setdefault(d.short, set()).add(_as_written(d, texts))
    counties = dict(learned)
    for short, names in by_short.items():
        if short not in full and len(names) == 1:
            counties[short] = names.pop()
    regions.update(d.name for d in heads)
    extra = tuple(sorted({d.name for d in named | home} - set(counties.values())))
    return Places(tuple(sorted(counties.items())), tuple(sorted(regions)), extra)


def _as_written(d: Division, texts: tuple[str, ...]) -> str:
    """The county's full name as the document writes it: the code table lags behind renamings
    (撤县设区: X县 → X区), so X区 written where X县 never is wins."""
    if not any(d.name in t for t in texts):
        for other in (d.short + suf for suf in "区县市" if d.short + suf != d.name):
            if any(other in t for t in texts):
                return other
    return d.name


def _gazetteer_scope(texts: tuple[str, ...]) -> tuple[set[Division], set[Division], set[Division]]:
    """(counties named in full, counties of the document's own city, provinces and cities in scope).

    A county the document names in full is a county wherever it lies (某某县人民政府 of a
    province it never names), and the divisions above it are in scope (榆中县 → 兰州市 →
    甘肃省).  Short forms (城关、七里河等县（区）) are the readers' own only for the counties of
    the city or municipality the document names most (its own place); a province brings
    none: their short forms would be too many ordinary words (和平, 南海).
    """
    # imported here: a plain search never needs the gazetteer (see kb.lexicon.gazetteer)
    from kb.lexicon.gazetteer import GazetteerError, gazetteer

    try:
        gaz = gazetteer()
    except GazetteerError:
        return set(), set(), set()
    counties: set[Division] = set()
    heads: dict[Division, int] = {}
    for text in texts:
        s = normalize(text)
        for start, end, name in gaz.find(s):
            if not _named_in_full(s, start, end, name):
                continue
            for d in gaz.lookup(name):
                if d.level == d.COUNTY:
                    counties.add(d)
                else:
                    heads[d] = heads.get(d, 0) + 1
    # a county name two divisions share (朝阳区 in Beijing and Changchun) counts only under a named city
    counties = {c for c in counties if len(gaz.lookup(c.name)) == 1 or c.parent in {h.code for h in heads}}
    scope = set(heads)
    for c in counties:
        scope.update(gaz.chain(c)[1:])
    home: set[Division] = set()
    if heads:
        top = max(heads, key=lambda d: (heads[d], d.level, d.code))
        if heads[top] >= _HOME_MENTIONS and not _is_province_of_cities(gaz, top):
            home = {c for c in gaz.children(top) if c.level == c.COUNTY}
    return counties, home, scope


#: How often a document names a city before its counties' short forms are its readers' own.
_HOME_MENTIONS = 3


def _is_province_of_cities(gaz: Gazetteer, division: Division) -> bool:
    """A province (with cities below it), unlike a municipality whose districts sit right under it."""
    return any(c.level != c.COUNTY for c in gaz.children(division))


def _named_in_full(s: str, start: int, end: int, name: str) -> bool:
    """A gazetteer name in ``s`` that is that place, not part of a longer word (X区域, 城市X县级)."""
    after = s[end] if end < len(s) else ""
    return after not in _NOT_AFTER_FULL.get(name[-1], "")


def _standalone_regions(s: str) -> list[str]:
    """X省/X市 that ``s`` names as a place of its own (not as the head of 政府, 委 or an agency)."""
    out = []
    for m in _REGION_RE.finditer(s):
        stem, start, end = m.group("stem"), m.start(), m.start() + 3
        after = s[end] if end < len(s) else ""
        if (_region_stem_ok(stem) and _starts_name(s, start) and after not in _BLOCK_AFTER["市"]
                and not _ORGAN_AFTER_RE.match(s, end)):
            out.append(s[start:end])
    return out


def _region_stem_ok(stem: str) -> bool:
    """Two hanzi that may name a province or city: not 全市/城市/各省, no verb or function word."""
    return (all(_HAN_RE.match(c) for c in stem) and stem[0] not in _FUNC_CHARS and stem[-1] not in _BLOCK_SHI
            and not _LEAD_WORDS_RE.search(stem))


def _listed_places(s: str) -> list[str]:
    """Full place names that ``s`` names in an enumeration of places."""
    cands = sorted(_place_cands(s, NO_PLACES), key=lambda c: c.start)
    out: list[str] = []
    for c in cands:
        joined = any(s[min(c.end, o.end): max(c.start, o.start)] in _PLACE_JOINS for o in cands if o is not c)
        if len(c.names) > 1 or joined:
            out += c.names
    return out


def find_places(text: str, places: Places = NO_PLACES) -> list[str]:
    """Places named bare (推进X江5万千瓦风电项目 → X江县), as full names, for questions that ask where or who.

    Kept out of find_owners: a bare name is often part of a product or place (X江食用菌),
    so it is only a fallback when a question asks for an owner and nothing else answers.
    Only the ``places`` the corpus defines are known (see :func:`learn_places`).
    """
    if places._bare_re is None:
        return []
    seen: dict[str, None] = {}
    for m in places._bare_re.finditer(normalize(text)):
        seen.setdefault(places.by_stem[m.group(1)], None)
    return list(seen)


# ---------------------------------------------------------------------------
# Owners
# ---------------------------------------------------------------------------


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
    while i > 0 and end - i < limit and re.match(f"[{HAN}A-Za-z0-9（）()]", s[i - 1]):
        i -= 1
    return i


def _region_start(s: str, start: int, places: Places) -> int:
    """Where a body that opens with 省/市 really starts: before the region's name (X省…厅, X市委) if known."""
    if start >= 2 and s[start: start + 1] in ("省", "市") and s[start - 2: start + 1] in places.region_names:
        return start - 2
    for n in places.long_names:  # 乌鲁木齐市…, 广西壮族自治区… (the last character is the one at ``start``)
        if start + 1 >= n and s[start + 1 - n: start + 1] in places.region_names:
            return start + 1 - n
    if s[start: start + 1] in ("县", "区"):  # a county's own organ: X县委、县政府, X县生态环境局
        for n in (*places.long_names, 3):
            if start + 1 >= n and s[start + 1 - n: start + 1] in places.full_names:
                return start + 1 - n
    return start


def _long_name_start(s: str, start: int, places: Places) -> int:
    """Where a body that opens with a three-character county name (里河区人民政府) really starts,
    when a longer full name the corpus or gazetteer knows ends there (七里河区人民政府)."""
    end = start + 3
    if s[end - 1: end] not in ("县", "区", "市"):
        return start
    for n in places.long_names:
        if end >= n and s[end - n: end] in places.full_names:
            return end - n
    return start


def _zone_start(s: str, start: int, places: Places) -> int:
    """A named zone may carry its province or city in front: X省Y经济开发区, X(省)Y经开区."""
    if start >= 3 and s[start - 3: start] in places.region_names:
        return start - 3
    if start >= 2 and any(s[start - 2: start] + lvl in places.region_names for lvl in "省市"):
        return start - 2
    return start


def _place_ok(s: str, start: int, stem: str, suf: str, end: int, places: Places) -> bool:
    block = {"县": _BLOCK_XIAN, "区": _BLOCK_QU, "市": _BLOCK_SHI}[suf]
    if stem[-1] in block or (stem[0] in _FUNC_CHARS and start > 0):
        return stem in places or s[start:end] in places.full_names
    after = s[end] if end < len(s) else ""
    if after in _BLOCK_AFTER[suf]:
        return False
    if suf == "市":  # X市 only as the subject of a clause: 城市/全市/市场 are everywhere else
        at_start = start == 0 or not _HAN_RE.match(s[start - 1])
        return at_start and bool(_CITY_ACTS_RE.match(s, end))
    if suf == "区" and stem not in places and s[start:end] not in places.full_names:
        return _proper_name(stem)
    return True


#: Verbs that open a task before the body it works on (kb/lexicon/data/opening_verbs.txt), longest first.
_OPENING_VERBS = tuple(sorted(lexicon("opening_verbs"), key=len, reverse=True))


def _strip_opening_verbs(who: str) -> str:
    """``who`` without an enumeration number and the verbs it opens with (（五）监督指导X → X).

    A name holding 的 is a relative clause (实行…的城市的人民政府, 开展…的排污单位) and is kept whole.
    """
    out = re.sub(rf"^[（(][{CN_NUM}\d]+[）)]", "", who)
    if "的" in out:
        return out
    changed = True
    while changed:
        changed = False
        for v in _OPENING_VERBS:
            if out.startswith(v) and len(out) > len(v):
                out, changed = out[len(v):], True
                break
    return out


#: jieba's tags of proper names (place, person, organisation, other names, abbreviations).
_NAME_TAGS = frozenset({"ns", "nr", "nrt", "nrfg", "nz", "nt", "j"})


@functools.lru_cache(maxsize=4096)
def _proper_name(stem: str) -> bool:
    """Whether jieba reads ``stem`` as one proper name: a district the document does not define is
    then a district (嘉定区); a common word or a fragment makes a zone (商务区, 样板区) or no name (制定区)."""
    from kb.text.tokenize import pos_cut

    words = pos_cut(stem)
    return len(words) == 1 and words[0][1] in _NAME_TAGS


def _starts_name(s: str, start: int) -> bool:
    """A name may start here: at a boundary, or after a verb/function word (推动X江、Y江县)."""
    if start == 0 or not _HAN_RE.match(s[start - 1]) or s[start - 1] in _FUNC_CHARS:
        return True
    return bool(re.search(f"(?:{_LEAD_WORDS_RE.pattern})$", s[max(0, start - 4): start]))


def _place_cands(s: str, places: Places) -> list[_Cand]:
    out = []
    for m in _PLACE_RE.finditer(s):
        stem, suf = m.group("stem"), m.group("suf")
        start, end = m.start(), m.start() + 3
        known = _known_start(s, start, end, places)
        if known is not None:  # a full name the corpus or gazetteer knows (红古区分别…, 七里河区)
            if suf == "市" and not _place_ok(s, start, stem, suf, end, places):
                continue
            start = known
        elif not _place_ok(s, start, stem, suf, end, places):
            continue
        # three-character names only right after punctuation and not after a function word
        elif start >= 1 and _HAN_RE.match(s[start - 1]) and s[start - 1] not in _FUNC_CHARS \
                and (start == 1 or not _HAN_RE.match(s[start - 2])) and suf != "市":
            start -= 1
        out.append(_Cand(start, end, (s[start:end],), 3))
    for m in _PLACE_LIST_RE.finditer(s):
        last, suf = m.group("last"), m.group("suf")
        if not _place_ok(s, m.start("last"), last, suf, m.end(), places) or not _starts_name(s, m.start()):
            continue
        items = [x for x in m.group("items").split("、") if x]
        if all(x in places or (x[-1] not in _BLOCK_QU | _BLOCK_XIAN) for x in items):
            names = tuple(places.full(x, x + suf) for x in [*items, last])
            out.append(_Cand(m.start(), m.end(), names, 2))
    for m in _PLACE_ETC_RE.finditer(s):
        start, items = _etc_items(s, m.start(), places)
        if items and all(x in places or x[-1] not in _BLOCK_QU for x in items):
            out.append(_Cand(start, m.end(), tuple(places.full(x, x) for x in items), 2))
    return out


def _known_start(s: str, start: int, end: int, places: Places) -> int | None:
    """Start of the longest full name the corpus or gazetteer knows that ends at ``end``
    (X区 or a longer 七里河区), when nothing after it makes it part of a word; else None."""
    for n in (*places.long_names, 3):
        if end >= n and s[end - n: end] in places.full_names:
            after = s[end] if end < len(s) else ""
            if s.startswith(_RESPECTIVELY, end):  # X区、Y区分别实施…: not 区分
                return end - n
            return end - n if after not in _BLOCK_AFTER.get(s[end - 1], ()) else None
    return None


def _etc_items(s: str, end: int, places: Places) -> tuple[int, list[str]]:
    """The names of an enumeration ``X、Y、Z`` ending at ``end`` (before 等县（区）), read backwards:
    each item is the longest known short form there (七里河), else two hanzi as written."""
    items: list[str] = []
    pos = end
    while True:
        size = next((n for n in (4, 3) if pos >= n and s[pos - n: pos] in places), 2)
        item = s[pos - size: pos]
        if len(item) < 2 or not all(_HAN_RE.match(c) for c in item):
            break
        items.insert(0, item)
        pos -= size
        if pos > 0 and s[pos - 1] == "、":
            pos -= 1
            continue
        break
    return pos, items


def _dept_list_cands(s: str) -> list[_Cand]:
    """'生态环境、水利、交通、应急管理等相关职能部门' → one '…部门' owner per listed department."""
    out = []
    for m in re.finditer("部门", s):
        start = m.start()
        while start > 0 and (_HAN_RE.match(s[start - 1]) or s[start - 1] == "、"):
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


def _named_tail(p: str) -> str:
    """The longest tail of ``p`` that is an agency or government by itself (由市住房城乡建设局 → 市住房城乡建设局).

    Trimming lead words alone would cut such a name at a verb inside it (建设, 管理).
    """
    for i in range(len(p) - 1):
        if _AGENCY_RE.fullmatch(p, i) or _GOV_RE.fullmatch(p, i):
            return p[i:]
    return ""


def _split_actors(x: str, places: Places) -> list[str]:
    parts = re.split(r"、|和|及|与|会同", x)
    out = []
    for p in parts:
        p = _named_tail(p.strip()) or _trim_lead(p.strip())
        if len(p) >= 2 and (_OWNER_SUFFIX_RE.search(p) or p in places.full_names):
            out.append(p)
    return out


def _responsibility_cands(s: str, places: Places) -> list[_Cand]:
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
        for name in [x] if whole else _split_actors(x, places):
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


#: How the name of a body ends: what makes a noun phrase an actor (主管部门, 人民政府, 河长办公室 …).
_ACTOR_END = (r"(?:主管部门|部门|机关|管理机构|机构|人民政府|政府|办公室|办事处|委员会|总局|局|委|厅|中心|单位"
              r"|[河湖林田路]长|[总副]?[河湖林]长|[省市县区镇乡村]长|局长|组长)")
#: A noun phrase naming a body: a short run of words (brackets and lists allowed) ending like one.
#: Function words and verbs never stand inside such a name (…方案经河长审查后由本级人民政府…).
_NOT_IN_NAME = "由经报将向把被对为从后并时要已"
_ACTOR_NP = rf"(?:(?![{_NOT_IN_NAME}])[{HAN}（）()、]){{0,28}}?{_ACTOR_END}"
#: What a duty-bearer does next in a regulation or plan: 应当…, 负责…, 每年…, 对…实施….
_DUTY_VERBS = ("(?:应当|应(?![急用对变届聘激])|须|必须|负责|可以|组织|统筹|建立|确定|批准|编制|履行|每年|每季度|每月|每半年|对|会同|"
               "按照|依法|责令|研究|制定|担任|实施|督促|指导|开展|设立|接到|收到|发现|以|要|将|协助|配合|做好|"
               "承担|负有|在各自职责范围内|在职责范围内|按职责)")
_DUTY_SUBJECT_RE = re.compile(
    rf"(?:^|(?<=[。；;：:，,！？\n]))(?:第[{CN_NUM}\d]+条\s*)?(?P<who>{_ACTOR_NP})(?={_DUTY_VERBS})"
)
#: 由X负责/批准/编制…: the body after 由 carries the duty.
_BY_ACTOR_RE = re.compile(
    rf"由(?P<who>{_ACTOR_NP})(?=会同|负责|组织|批准|建立|编制|确定|实施|责令|担任|统一|审查|审批|处|制定|报|按照|依法"
    r"|根据|依照|依据|结合|按)"
)
#: 会同X…: the body joined to the work is an owner too (市生态环境局会同市水务局制定…).
_WITH_ACTOR_RE = re.compile(rf"会同(?P<who>{_ACTOR_NP})(?=[{HAN}])")
_LIST_SPLIT_RE = re.compile(r"、|或者|和|及|与|或")
#: Heads that name no body on their own: what is left of 强化部门 or 加强单位 once the verb is cut.
_BARE_HEADS = frozenset({"", "部门", "单位", "机构", "机关", "政府", "中心", "办公室"})


#: Words that qualify a body without naming a place (本级人民政府, 县级以上人民政府).
_QUALIFIERS = ("本级", "上级", "同级", "所在地", "以上", "各级", "地方")


def _qualifies(prefix: str) -> bool:
    return "的" in prefix or prefix.endswith(_QUALIFIERS)


def _duty_cands(s: str) -> list[_Cand]:
    """The body that bears a duty: the subject of 应当/负责/每年…, or the X of 由X负责.

    Regulations name their duty-bearers this way (县级以上人民政府生态环境主管部门对…实施
    统一监督管理; 由本级人民政府批准); a list (河长、河长办公室和有关部门应当…) names each.
    """
    out: list[_Cand] = []
    for rx in (_DUTY_SUBJECT_RE, _BY_ACTOR_RE, _WITH_ACTOR_RE):
        for m in rx.finditer(s):
            who = m.group("who")
            parts = [p for p in _LIST_SPLIT_RE.split(who) if p]
            if len(parts) > 1 and all(re.search(f"{_ACTOR_END}$", p) for p in parts):
                names = tuple(_strip_opening_verbs(p) for p in parts)
            elif "、" in who or "等" in who:
                continue  # a list of mixed items (各县（区）、各有关部门 / 税务、海关等部门): the list rules read it
            else:
                # 鼓励金融机构加大…: the verb before the body is not its name; 强化部门应急联动: a verb
                # and a bare 部门 name no body at all.
                trimmed = _strip_opening_verbs(who)
                if trimmed in _BARE_HEADS:
                    continue
                names = (trimmed,)
            if all(len(n) >= 2 and not n.startswith(("和", "及", "与", "的", "会同")) for n in names):
                out.append(_Cand(m.start("who"), m.end("who"), names, 1))
    return out


def _chosen(s: str, places: Places) -> tuple[list[_Cand], list[tuple[int, int]]]:
    """The owner candidates of normalised ``s`` that win their span, and the spans that bear a duty.

    A duty span is where the text itself assigns work: 由X负责, X牵头/配合, 督促X落实,
    the subject of 应当/负责/要…, an opening 各企业要….  A body merely mentioned elsewhere
    (a place a project lies in, a document's author) is chosen but bears no duty.
    """
    cands: list[_Cand] = []
    duties: list[tuple[int, int]] = []
    for m in _GOV_RE.finditer(s):
        start = _long_name_start(s, _region_start(s, m.start(), places), places)
        if s.startswith("以上", start):  # 地级以上市人民政府: 以上 qualifies, it names no place
            start += 2
        cands.append(_Cand(start, m.end(), (s[start: m.end()],), 0))
    for m in _GENERIC_DEPT_RE.finditer(s):
        if re.search("各|有关|相关|职能", m.group(0)):
            cands.append(_Cand(m.start(), m.end(), (m.group(0),), 1))
    for m in _AGENCY_RE.finditer(s):
        g = m.group("gstem")
        if g and (g[-1] in "格布大开结当变胜败全新时" or not _HAN_RE.match(g)):
            continue
        start = _region_start(s, m.start(), places)
        cands.append(_Cand(start, m.end(), (s[start: m.end()],), 1))
    for m in _ZONE_RE.finditer(s):
        if m.group("zstem") not in _ZONE_BLOCK:
            start = _zone_start(s, m.start(), places)
            cands.append(_Cand(start, m.end(), (s[start: m.end()],), 1))
    resp = _responsibility_cands(s, places)
    duties += [(c.start, c.end) for c in resp]
    cands += _org_cands(s) + _dept_list_cands(s) + _place_cands(s, places) + resp
    govs = [c for c in cands if c.prio == 0]
    for c in _duty_cands(s):
        duties.append((c.start, c.end))
        # Governments keep their own rules (a region prefix only when the document names it):
        # a duty-bearer ending in the same 政府/党委 wins only when what it adds qualifies it.
        same = [g for g in govs if g.start >= c.start and g.end == c.end]
        if same and not _qualifies(s[c.start:same[0].start]):
            continue
        cands.append(c)
    for m in _SUBJECT_RE.finditer(s):
        duties.append((m.start("who"), m.end("who")))
        cands.append(_Cand(m.start("who"), m.end("who"), (m.group("who"),), 2))

    chosen: list[_Cand] = []
    for c in sorted(cands, key=lambda c: (-(c.end - c.start), c.prio, c.start)):
        if all(c.end <= o.start or c.start >= o.end for o in chosen):
            chosen.append(c)
    return sorted(chosen, key=lambda c: c.start), duties


def _names(chosen: Iterable[_Cand]) -> list[str]:
    seen: dict[str, None] = {}
    for c in chosen:
        for name in c.names:
            seen.setdefault(name, None)
    return list(seen)


def find_owners(text: str, places: Places = NO_PLACES) -> list[str]:
    """Responsible bodies named in ``text``, in order of appearance, deduplicated.

    Covers governments (市人民政府, 各县（区）, 各级党委和政府), agencies (市生态环境局,
    …管委会), department lists (A、B等相关部门 → A部门, B部门), generic owners
    (县（区）和市级有关部门, 有关部门), counties/districts/zones (X江县, X经开区),
    enterprises (…有限责任公司, 航运公司) and responsibility patterns (由…负责,
    …牵头, 属地负责, 督促…落实主体责任).  ``places`` (see :func:`learn_places`) gives
    bare names in a list their full name (X江、Y昌等县（区） → X江县, Y昌县).
    """
    return _names(_chosen(normalize(text), places)[0])


def find_assigned(text: str, places: Places = NO_PLACES) -> list[str]:
    """The bodies ``text`` assigns work to (由X牵头, X负责, X应当…), not every body it mentions.

    Used where the text is wider than the sentence that answers (the rest of a clause):
    there only an assignment makes a body the owner, a place or author named in passing does not.
    """
    chosen, duties = _chosen(normalize(text), places)
    return _names(c for c in chosen if any(c.start < b and a < c.end for a, b in duties))


def owner_spans(text: str, places: Places = NO_PLACES) -> list[tuple[int, int, tuple[str, ...], bool]]:
    """(start, end, names, bears a duty) of each body in ``normalize(text)``, in order.

    For callers that must tell which part of a sentence names a body (the register
    credits a target to the bodies of its own clause, see kb.tools.register).
    """
    chosen, duties = _chosen(normalize(text), places)
    return [(c.start, c.end, c.names, any(c.start < b and a < c.end for a, b in duties)) for c in chosen]
