"""Parse files into documents: ingest → clean → segment, one broken file never sinks the rest."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from kb.clean import to_blocks
from kb.ingest import IngestError, RawDocument, discover, load
from kb.nodes import Document
from kb.segment import segment, with_pages

log = logging.getLogger(__name__)


def parse_raw(raw: RawDocument) -> Document:
    """Structure one loaded file."""
    toc: dict[str, int] = {}
    blocks = to_blocks(raw, toc)
    nodes, scheme = segment(blocks, raw.name)
    if raw.fmt != "pdf":
        nodes = with_pages(nodes, toc)
    warnings: list[str] = []
    if not any(n.text for n in nodes):
        raise IngestError(raw.path, "no text could be recovered from the file")
    return Document(raw.name, str(raw.path), raw.sha256, tuple(nodes), scheme, tuple(warnings))


def parse_file(path: Path | str) -> Document:
    return parse_raw(load(path))


def parse_paths(paths: Iterable[Path | str]) -> tuple[list[Document], list[IngestError]]:
    """Parse every file under ``paths``; return what parsed and what failed, with reasons."""
    docs: list[Document] = []
    errors: list[IngestError] = []
    try:
        files = list(discover(paths))
    except IngestError as e:
        return [], [e]
    for f in files:
        try:
            docs.append(parse_file(f))
        except IngestError as e:
            log.warning("%s", e)
            errors.append(e)
    return docs, errors
