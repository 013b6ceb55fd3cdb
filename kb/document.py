"""The document tree: what the parser produces and every later stage consumes.

A plan is a flat, ordered list of :class:`Node` objects whose ``parent`` ids form
its tree (preamble, foreword, chapter, section, clause, box, item, row).  Nodes
are frozen so that an index, an answer and a quiz item can share them safely.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

#: Kinds of node, in the order a reader meets them.
KINDS = ("preamble", "foreword", "part", "chapter", "section", "subsection", "clause", "box", "item", "row", "annex")

#: Kinds that carry text and are therefore what search returns.
LEAF_KINDS = ("preamble", "clause", "item", "row")


@dataclass(frozen=True)
class Node:
    """One element of a plan: a heading, a clause, a box item or a table row."""

    id: str
    kind: str
    title: str
    parent: str | None
    doc: str
    page: int | None = None
    page_end: int | None = None
    text: str = ""
    #: Titles of the ancestors, outermost first (chapter, section, box …).
    path: tuple[str, ...] = ()
    #: Chapter number (1-based); 0 for the preamble and foreword.
    chapter: int = 0
    #: Table rows keep their columns as (header, value) pairs.
    columns: tuple[tuple[str, str], ...] = ()
    #: The source lines as extracted, line breaks and page-break splits kept (radical code
    #: points already mapped): the provenance behind ``text``, which is what is searched and shown.
    original: str = field(default="", repr=False, compare=False)
    #: The bodies the plan assigns this node, as (name, role) with role "lead" or "support":
    #: from the owner note that closes it (（责任单位：…）) or a table's 部门 column.
    owners: tuple[tuple[str, str], ...] = ()

    @property
    def pages(self) -> str:
        """Human page span, e.g. ``p.12`` or ``p.12–13``."""
        if self.page is None:
            return ""
        if self.page_end and self.page_end != self.page:
            return f"p.{self.page}–{self.page_end}"
        return f"p.{self.page}"

    @property
    def citation(self) -> str:
        """Human citation: document › chapter › section › 「clause title」 p.N."""
        parts = [self.doc, *self.path]
        if self.kind in ("clause", "item", "row", "preamble", "foreword") and self.title:
            parts.append(f"「{self.title}」")
        elif self.title:
            parts.append(self.title)
        cite = " › ".join(p for p in parts if p)
        return f"{cite} {self.pages}".strip()

    def to_dict(self) -> dict:
        d = asdict(self)
        d["path"] = list(self.path)
        d["columns"] = [list(c) for c in self.columns]
        d["owners"] = [list(o) for o in self.owners]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Node:
        d = dict(d)
        d["path"] = tuple(d.get("path") or ())
        d["columns"] = tuple(tuple(c) for c in d.get("columns") or ())
        d["owners"] = tuple(tuple(o) for o in d.get("owners") or ())
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Document:
    """A parsed file: its nodes, its content hash and what went wrong on the way."""

    name: str
    path: str
    sha256: str
    nodes: tuple[Node, ...]
    #: The numbering scheme the segmenter recognised (``chapter``, ``hanzi``, ``article`` …).
    scheme: str = "chapter"
    warnings: tuple[str, ...] = field(default=())

    @property
    def title(self) -> str:
        """The document's own title: its preamble's (the title line, or front matter's 标题), else ""."""
        pre = next((n for n in self.nodes if n.kind == "preamble"), None)
        return pre.title if pre is not None and pre.title != "表格" else ""

    def by_kind(self, kind: str) -> list[Node]:
        return [n for n in self.nodes if n.kind == kind]

    def leaves(self) -> list[Node]:
        return [n for n in self.nodes if n.kind in LEAF_KINDS and n.text]
