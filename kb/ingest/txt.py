"""Plain text as Chinese offices save it: UTF-8 (with or without BOM), UTF-16, GB18030/GBK."""

from __future__ import annotations

import logging
from pathlib import Path

from kb.ingest.raw import IngestError, Line, RawDocument, read_bytes, sha256_bytes

log = logging.getLogger(__name__)




def decode_text(data: bytes, path: Path) -> str:
    """Decode a text file written by a Chinese office: UTF-8 (with or without BOM) or GB18030/GBK."""
    return _decode(data, path)[0]


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    """The text and a warning ("" when the bytes decoded cleanly)."""
    if not data.strip():
        raise IngestError(path, "the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            text = ""
        if _plausible(text):
            return text, ""
    if b"\x00" in data[:4096]:
        raise IngestError(path, "this is a binary file, not text (it contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # UTF-8 with a damaged byte or two (a cut-off last character, a bad copy): GB18030 would
        # "decode" it into fluent mojibake, so keep UTF-8 and mark the few damaged characters.
        text = data.decode("utf-8-sig", errors="replace")
        bad = text.count("\ufffd")
        if _plausible_utf8(text):
            warning = f"{bad} undecodable byte sequence(s) in the UTF-8 text, shown as \ufffd"
            log.info("%s: %s", path, warning)
            return text, warning
    else:
        if _plausible(text):
            return text, ""
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = ""
    if _plausible(text):
        return text, ""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        text = str(best)
        if _plausible(text):
            log.info("%s: decoded as %s", path, best.encoding)
            return text, ""
    raise IngestError(path, "cannot decode the text: not UTF-8 or GB18030/GBK, and no other encoding fits")


def _plausible_utf8(text: str) -> bool:
    """Damaged UTF-8 rather than another encoding: the damage is rare next to real multi-byte text."""
    bad = text.count("\ufffd")
    good = sum(1 for c in text if ord(c) > 0x7F and c != "\ufffd")
    return good >= 50 * max(bad, 1) and _plausible(text.replace("\ufffd", ""))


def _plausible(text: str) -> bool:
    """Reject decodings that produce mostly control characters or private-use garbage."""
    if not text.strip():
        return False
    sample = text[:20000]
    bad = sum(
        1
        for c in sample
        if (ord(c) < 32 and c not in "\t\n\r\f") or 0xE000 <= ord(c) <= 0xF8FF or c == "\ufffd"
    )
    return bad / len(sample) < 0.01


def load_txt(path: Path) -> RawDocument:
    """One line per text line; pages are unknown (a table of contents may give them later)."""
    data = read_bytes(path)
    text, warning = _decode(data, path)
    lines = tuple(Line(t) for t in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return RawDocument(path, path.stem, sha256_bytes(data), "txt", lines, (warning,) if warning else ())


