"""What gets indexed: the leaf clauses, the text BM25 sees, and the windows that are embedded."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kb.document import LEAF_KINDS, Node
from kb.text.patterns import strip_heading_number
from kb.text.sentences import sentences as split_sentences

#: Windows longer than this are split at sentence ends for embedding (hits stay whole clauses).
WINDOW_CHARS = 120


@dataclass(frozen=True)
class Chunk:
    """One embedded window of a leaf node; ``hash`` keys its vector across builds."""

    leaf: int
    text: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        return {"leaf": self.leaf, "hash": self.hash, "text": self.text}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        return cls(int(data["leaf"]), str(data["text"]), str(data["hash"]))


def leaves_of(nodes: Sequence[Node]) -> list[Node]:
    """The nodes search returns: leaf kinds that carry text."""
    return [n for n in nodes if n.kind in LEAF_KINDS and n.text]


def lexical_text(node: Node, doc_title: str = "") -> str:
    """What BM25 sees: the clause with its section heading and its document's title.

    The heading lets headings take part in matching.  The title is on every passage of
    its document, so words of the title pick the document out of several but do not
    make the passage that happens to repeat the title (the preamble) win within it.
    """
    heading = node.path[-1] if node.path else ""
    return f"{doc_title}\n{strip_heading_number(heading)}\n{node.text}"


def windows(node: Node, limit: int = WINDOW_CHARS) -> list[str]:
    """What the dense index embeds for one clause: two granularities, max-pooled at query time.

    Sentence-aligned windows of about ``limit`` characters, each prefixed with its
    heading for context, plus every sentence on its own, so that a question about
    one sentence of a long clause still meets a vector about just that sentence.
    """
    heading = strip_heading_number(node.path[-1]) if node.path else ""
    sentences = split_sentences(node.text, as_written=True)
    grouped: list[str] = []
    cur = ""
    for s in sentences:
        if cur and len(cur) + len(s) > limit:
            grouped.append(cur)
            cur = ""
        cur += s
    if cur:
        grouped.append(cur)
    out = [f"{heading}\n{w}" if heading else w for w in grouped]
    if len(sentences) > 1:
        out.extend(s for s in sentences if len(s) >= 6)
    return list(dict.fromkeys(out))


def chunk_hash(text: str, model: str, prompt: str) -> str:
    """The key of a window's vector: the same text, model and prompt embed alike."""
    return hashlib.sha1(f"{model}\x00{prompt}\x00{text}".encode()).hexdigest()


def make_chunks(leaves: Sequence[Node], model: str, prompt: str) -> list[Chunk]:
    """Every window of every leaf, in order, keyed for ``model`` with passage ``prompt``."""
    return [Chunk(i, w, chunk_hash(w, model, prompt)) for i, n in enumerate(leaves) for w in windows(n)]
