"""China's administrative divisions, from a maintained package's data (cpca's ``adcodes.csv``).

A plan names the bodies of its own place (榆中县人民政府, 城关、七里河等县（区）) and of
others (嘉定区、青浦区…分别实施…).  Learning those names from each plan's wording
alone misses the ones a plan never enumerates, and a hand-written list would be one
city's counties.  The national list of provinces, prefecture-level cities and counties
(with their 12-digit codes, hence their parents) is data a package maintains, so it
lives here as data.

Why the CSV and not ``import cpca``: cpca's ``__init__`` imports pandas and builds its
matchers, which a cold CLI cannot afford.  The file is found through the package's
import spec without importing it, read with :mod:`csv` once, and only when owners are
needed (ask, register), never for a plain search.
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from kb.errors import KBError

__all__ = ["Division", "Gazetteer", "GazetteerError", "gazetteer"]

#: The package whose data is read, and its file of divisions and ethnic groups.
_PACKAGE = "cpca"
_DIVISIONS = ("resources", "adcodes.csv")
_NATIONS = ("resources", "56_nations.csv")

PROVINCE, CITY, COUNTY = 1, 2, 3

#: Level suffixes, longest first: what a plan drops when it writes a place short (榆中县 → 榆中).
_SUFFIXES = {
    PROVINCE: ("特别行政区", "自治区", "省", "市"),
    CITY: ("自治州", "地区", "市", "盟", "州"),
    COUNTY: ("自治县", "自治旗", "新区", "林区", "特区", "县", "区", "市", "旗"),
}
#: Placeholders of the code table that name no place (市辖区, 县, 省直辖县级行政区划).
_PLACEHOLDER_RE = re.compile(r"^(?:市辖区|县|.*直辖.*)$")
#: Characters that only say where inside a city (城/郊/矿, a direction): a name made of them
#: alone (城区, 郊区, 东区, 新城区, 老城区, 市中区, 城北区) is an ordinary word first.
_GENERIC_CHARS = set("城郊矿新老市中东西南北")


class GazetteerError(KBError):
    """The gazetteer's data package is missing or its file unreadable."""


@dataclass(frozen=True)
class Division:
    """One administrative division: its code, full name, level (1 province, 2 city, 3 county)."""

    code: str
    name: str
    level: int
    #: Code of the division above (None for a province).
    parent: str | None
    #: The form plans write it in without its level suffix (榆中), or "" when that would be
    #: a single character or an ordinary word.
    short: str

    #: The levels, so callers need not import the module to compare them.
    PROVINCE: ClassVar[int] = 1
    CITY: ClassVar[int] = 2
    COUNTY: ClassVar[int] = 3

    @property
    def ordinary(self) -> bool:
        """Whether the full name is an ordinary word first (城区, 东区, 新城区): never read as a place."""
        stem = self.name[:-1] if self.name.endswith(("区", "县")) else self.name
        return len(stem) < 2 or set(stem) <= _GENERIC_CHARS

    def to_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "level": self.level, "parent": self.parent,
                "short": self.short}


@dataclass(frozen=True)
class Gazetteer:
    """Every division, with lookups by full name, short form and code."""

    divisions: tuple[Division, ...]

    @functools.cached_property
    def by_code(self) -> dict[str, Division]:
        return {d.code: d for d in self.divisions}

    @functools.cached_property
    def by_name(self) -> dict[str, tuple[Division, ...]]:
        out: dict[str, list[Division]] = {}
        for d in self.divisions:
            out.setdefault(d.name, []).append(d)
        return {k: tuple(v) for k, v in out.items()}

    @functools.cached_property
    def by_short(self) -> dict[str, tuple[Division, ...]]:
        out: dict[str, list[Division]] = {}
        for d in self.divisions:
            if d.short:
                out.setdefault(d.short, []).append(d)
        return {k: tuple(v) for k, v in out.items()}

    @functools.cached_property
    def _by_head(self) -> dict[str, tuple[str, ...]]:
        """Full names (ordinary words left out) by their first two characters, longest first."""
        out: dict[str, set[str]] = {}
        for d in self.divisions:
            if not d.ordinary:
                out.setdefault(d.name[:2], set()).add(d.name)
        return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in out.items()}

    @functools.cached_property
    def _children(self) -> dict[str, tuple[Division, ...]]:
        out: dict[str, list[Division]] = {}
        for d in self.divisions:
            if d.parent:
                out.setdefault(d.parent, []).append(d)
        return {k: tuple(v) for k, v in out.items()}

    def __contains__(self, name: object) -> bool:
        """Whether ``name`` is the full name of a division that is not an ordinary word."""
        return any(not d.ordinary for d in self.by_name.get(name, ()))  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self.divisions)

    def lookup(self, name: str) -> tuple[Division, ...]:
        """The divisions of that full name (several: 朝阳区 is in Beijing and in Changchun)."""
        return self.by_name.get(name, ())

    def short_forms(self, short: str) -> tuple[Division, ...]:
        """The divisions a short form may stand for (榆中 → 榆中县)."""
        return self.by_short.get(short, ())

    def chain(self, division: Division) -> tuple[Division, ...]:
        """``division`` and the divisions above it, county → city → province."""
        out = [division]
        while out[-1].parent and out[-1].parent in self.by_code:
            out.append(self.by_code[out[-1].parent])
        return tuple(out)

    def children(self, division: Division) -> tuple[Division, ...]:
        """The divisions directly below ``division`` (a city's counties, a province's cities)."""
        return self._children.get(division.code, ())

    def place_of(self, body: str) -> tuple[Division, ...]:
        """The division a body belongs to, by the longest full name it opens with
        (榆中县人民政府 → 榆中县, 皋兰县 → 皋兰县); () when it opens with none."""
        for name in self._by_head.get(body[:2], ()):
            if body.startswith(name):
                return self.lookup(name)
        return ()

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, full name) of every division named in full in ``text``, longest at each
        position, ordinary words (城区, 新城区) left out.  Callers apply their own context guards."""
        out = []
        heads = self._by_head
        for i in range(len(text) - 1):
            for name in heads.get(text[i: i + 2], ()):
                if text.startswith(name, i):
                    out.append((i, i + len(name), name))
                    break
        return out

    def to_dict(self) -> dict:
        return {"divisions": [d.to_dict() for d in self.divisions]}


def _resource(parts: tuple[str, ...]) -> Path:
    spec = importlib.util.find_spec(_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for loc in locations:
        path = Path(loc).joinpath(*parts)
        if path.is_file():
            return path
    raise GazetteerError(f"{'/'.join((_PACKAGE, *parts))}: not found (install the {_PACKAGE!r} package)")


def _read_rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise GazetteerError(f"{path}: cannot read ({e})") from None


def _level(code: str) -> int:
    if code[2:] == "0" * (len(code) - 2):
        return PROVINCE
    if code[4:] == "0" * (len(code) - 4):
        return CITY
    return COUNTY


def _short(name: str, level: int, nations: tuple[str, ...]) -> str:
    """The name without its level suffix and ethnic groups (石柱土家族自治县 → 石柱)."""
    stem = name
    for suf in _SUFFIXES[level]:
        if stem.endswith(suf) and len(stem) > len(suf):
            stem = stem[: -len(suf)]
            break
    if name.endswith(("自治县", "自治旗", "自治州", "自治区")):
        changed = True
        while changed:
            changed = False
            for n in nations:
                if stem.endswith(n) and len(stem) > len(n):
                    stem, changed = stem[: -len(n)], True
    return stem if len(stem) >= 2 and stem != name and not set(stem) <= _GENERIC_CHARS else ""


def parse(rows: list[dict[str, str]], nations: tuple[str, ...] = ()) -> Gazetteer:
    """A gazetteer from code-table rows (``adcode``, ``name``): placeholders skipped, parents
    found by code (a county under a placeholder 市辖区 belongs to the province)."""
    # ethnic groups longest first, with and without 族 (土家族, 土家), so 自治 names shorten
    ethnic = sorted({x for n in nations for x in (n, n.removesuffix("族")) if len(x) >= 1}, key=len, reverse=True)
    named = {r["adcode"].strip(): r["name"].strip() for r in rows if r.get("adcode") and r.get("name")}
    real = {c: n for c, n in named.items() if not _PLACEHOLDER_RE.match(n)}
    out = []
    for code, name in real.items():
        level = _level(code)
        parent = None
        if level == COUNTY:
            city = code[:4] + "0" * (len(code) - 4)
            parent = city if city in real else code[:2] + "0" * (len(code) - 2)
        elif level == CITY:
            parent = code[:2] + "0" * (len(code) - 2)
        if parent is not None and parent not in real:
            parent = None
        out.append(Division(code, name, level, parent, _short(name, level, tuple(ethnic))))
    return Gazetteer(tuple(sorted(out, key=lambda d: d.code)))


def data_file() -> Path:
    """The code table the gazetteer is read from (GazetteerError when its package is missing)."""
    return _resource(_DIVISIONS)


@functools.cache
def gazetteer() -> Gazetteer:
    """The national gazetteer, read once from the data package (cpca's adcodes.csv)."""
    rows = _read_rows(_resource(_DIVISIONS))
    try:
        nations = tuple(r[0].strip() for r in csv.reader(_resource(_NATIONS).read_text(encoding="utf-8").splitlines())
                        if r and r[0].strip())
    except GazetteerError:
        nations = ()
    return parse(rows, nations)
