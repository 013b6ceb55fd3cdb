"""Parse files into documents: ingest → clean → segment, one broken file never sinks the rest."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

from kb.document import Document
from kb.ingest import guard
from kb.ingest.clean import to_blocks
from kb.ingest.loaders import IngestError, RawDocument, load
from kb.ingest.segment import segment, with_pages
from kb.ingest.tables import rebuild_flat_tables
from kb.text.chars import HAN

log = logging.getLogger(__name__)

#: Below this share of Chinese characters a file is not a Chinese document (a README, a data file).
MIN_CHINESE_SHARE = 0.25


def chinese_share(text: str) -> float:
    """The share of ideographs among the non-space characters of ``text``."""
    chars = re.sub(r"\s+", "", text)
    return len(re.findall(f"[{HAN}]", chars)) / len(chars) if chars else 0.0


def parse_raw(raw: RawDocument) -> Document:
    """Structure one loaded file."""
    toc: dict[str, int] = {}
    warnings = list(raw.warnings)
    blocks, cut = guard.split_long(rebuild_flat_tables(to_blocks(raw, toc, warnings)))
    nodes, scheme = segment(blocks, raw.name)
    if raw.fmt != "pdf":
        nodes = with_pages(nodes, toc)
    nodes, split = guard.split_long_nodes(nodes)
    if cut + split:
        warnings.append(f"{raw.path}: {cut + split} passage(s) over {guard.MAX_PARAGRAPH_CHARS:,} characters were split "
                        "into shorter ones for indexing")
    if scheme == "flat" and len(nodes) > 3:
        warnings.append(f"{raw.path}: no heading structure recognised; indexed as {len(nodes)} flat paragraphs")
    if not any(n.text for n in nodes):
        raise IngestError(raw.path, "no text could be recovered from the file")
    share = chinese_share("".join(n.text for n in nodes))
    if share < MIN_CHINESE_SHARE:
        raise IngestError(raw.path, f"this does not read as a Chinese document ({share:.0%} of its characters are "
                                    "Chinese); kb indexes Chinese plans and regulations, so it was skipped")
    return Document(raw.name, str(raw.path), raw.sha256, tuple(nodes), scheme, tuple(warnings))


def parse_file(path: Path | str) -> Document:
    return parse_raw(load(path))


def parse_paths(paths: Iterable[Path | str]) -> tuple[list[Document], list[IngestError]]:
    """Parse every file under ``paths``; return what parsed and what failed, with reasons.

    A missing path, an unreadable or unsupported file is one error in the list; it
    never stops the other paths and files.  A file named twice is parsed once.
    What is read at all is kb.ingest.guard's rule: regular files only, links only
    within the corpus folder, none over the size limit (KB_MAX_FILE_MB).
    """
    docs: list[Document] = []
    errors: list[IngestError] = []
    seen: set[Path] = set()
    limit = guard.max_file_bytes()
    for p in paths:
        root = Path(p).resolve() if Path(p).is_dir() else None
        try:
            files = list(guard.entries(p))
        except IngestError as e:
            log.info("%s", e)
            errors.append(e)
            continue
        for f in files:
            try:
                if not guard.admit(f, root, limit):
                    continue
            except IngestError as e:
                log.info("%s", e)
                errors.append(e)
                continue
            key = f.resolve()
            if key in seen:
                continue
            seen.add(key)
            try:
                docs.append(parse_file(f))
            except IngestError as e:
                log.info("%s", e)
                errors.append(e)
            except Exception as e:  # a parser bug on one odd file must not sink the others
                log.debug("%s: unexpected error while parsing", f, exc_info=True)
                err = IngestError(f, f"could not be parsed ({type(e).__name__}: {e}); this is a bug in kb")
                log.info("%s", err)
                errors.append(err)
    return docs, errors
