"""Web pages saved from a government site (.html/.htm): the article, its metadata, nothing else.

The article body is found by readability-lxml (Mozilla Readability's scoring): both it
and trafilatura were tried on saved government pages; trafilatura lost the body of
table-laid-out pages (old CMS templates), keeping the navigation bar, the ICP line and
「打印本页」 as table cells and moving a data table to the end, while readability kept the
body in order with its ``rowspan``/``colspan``.  The body is then walked here: ``<h1>``–``<h6>``
are heading levels, a paragraph wholly in ``<b>``/``<strong>`` is bold, a ``<table>``
is a table (merged cells as in Word: a row span repeats, a column span stands once).
The page's own metadata box (索引号, 发文字号, 发文日期 …, labels in
kb/lexicon/web_metadata.txt) and the title open the preamble; leftover site furniture
(kb/lexicon/web_chrome.txt) is dropped.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from kb.ingest.raw import IngestError, Line, RawDocument, read_bytes, sha256_bytes
from kb.lexicon import lexicon

_BLOCK = {
    "p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "td", "th", "caption", "center", "form", "header",
    "footer", "nav", "aside", "figure", "figcaption", "address", "hr", "br", "tbody", "thead", "tfoot",
}
_SKIP = {"script", "style", "noscript", "template", "head", "select", "option", "button", "input", "textarea"}
_BOLD = {"b", "strong"}
#: A line this long is prose, never site furniture, whatever it mentions.
_CHROME_MAX = 40


@functools.cache
def _words(name: str) -> tuple[str, ...]:
    """A vocabulary of kb/lexicon (site furniture, metadata labels), in file order."""
    return lexicon(name).entries


def load_html(path: Path) -> RawDocument:
    """Read a saved web page into lines: title, metadata, then the article's paragraphs and tables."""
    from lxml import etree
    from lxml import html as lxml_html

    data = read_bytes(path)
    if not data.strip():
        raise IngestError(path, "the file is empty")
    text = decode_html(data)
    if not re.search(r"<\s*(html|body|p|div|table|h[1-6])\b", text[:200000], re.I):
        raise IngestError(path, "this is not an HTML page (no <html>, <body> or <p> tags)")
    try:
        tree = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError) as e:
        raise IngestError(path, f"the HTML page cannot be parsed ({e})") from e
    if tree.find(".//frameset") is not None:
        raise IngestError(path, "this page is a frameset; open the frame that shows the document and save that page")
    meta = metadata(tree)
    title = page_title(tree)
    from readability import Document

    try:
        summary = Document(text).summary(html_partial=True)
    except Exception as e:  # readability raises its own Unparseable and lxml errors
        raise IngestError(path, f"no article body could be found in the page ({type(e).__name__})") from e
    body = lxml_html.fragment_fromstring(summary, create_parent="div")
    lines = _trim_chrome(_Walker().lines(body))
    if not any(_prose(ln.text) for ln in lines if ln.cells is None):
        raise IngestError(path, "no article body found in the page (only navigation, links or a form: "
                          "a list or search page?)")
    head: list[Line] = []
    first = lines[0].text.strip() if lines else ""
    if title and _squash(title) != _squash(first):
        head.append(Line(title))
    body_text = _squash("".join(ln.text for ln in lines))
    for label, value in meta:
        if _squash(f"{label}：{value}") not in body_text.replace(":", "："):
            head.append(Line(f"{label}：{value}"))
    return RawDocument(path, path.stem, sha256_bytes(data), "html", tuple(head + lines))


def decode_html(data: bytes) -> str:
    """The page's text: its declared charset (BOM, <meta charset>), else UTF-8, else GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    m = re.search(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", data[:4096], re.I)
    if m:
        name = m.group(1).decode("ascii", "ignore").lower()
        name = "gb18030" if name in ("gb2312", "gbk", "gb18030", "x-gbk") else name
        try:
            return data.decode(name, errors="replace")
        except LookupError:
            pass
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _prose(text: str) -> bool:
    """A sentence of running text, which navigation and link lists never contain."""
    return len(_squash(text)) >= 20 and bool(re.search(r"[，。；：,;]", text))


def is_chrome(text: str) -> bool:
    """A short line that is site furniture: a button, a counter, the footer, the ICP line."""
    s = _squash(text)
    return bool(s) and len(s) <= _CHROME_MAX and any(w.replace(" ", "") in s for w in _words("web_chrome"))


def _trim_chrome(lines: list[Line]) -> list[Line]:
    """Drop site furniture that the body kept at its edges (a 「打印本页」 row, a footer line).

    Only the edges: inside the article, 「主办单位：…」 may be what the notice says.
    """
    start, end = 0, len(lines)
    while start < end and (is_chrome(lines[start].text) or not lines[start].text.strip()):
        start += 1
    while end > start and (is_chrome(lines[end - 1].text) or not lines[end - 1].text.strip()):
        end -= 1
    return lines[start:end]


def page_title(tree) -> str:
    """The document's title: the site's ArticleTitle/og:title meta, else <title> without the site's name."""
    for name in ("ArticleTitle", "og:title", "title"):
        for el in tree.xpath(f'//meta[@name="{name}" or @property="{name}"]'):
            if (content := (el.get("content") or "").strip()):
                return content
    raw = (tree.findtext(".//title") or "").strip()
    # 「文件标题_栏目_某某人民政府」: the longest part is the document's own title.
    parts = [p.strip() for p in re.split(r"\s*(?:_|\||-{1,2}|——|—)\s*", raw) if p.strip()]
    return max(parts, key=len) if parts else ""


def metadata(tree) -> list[tuple[str, str]]:
    """Labelled fields of the page's metadata box (索引号：…), in the order of the label list."""
    chunks: list[str] = []
    for el in tree.iter():
        if not isinstance(el.tag, str) or el.tag in _SKIP:
            continue
        if el.text and el.text.strip() and not _skipped(el):
            chunks.append(el.text.strip())
        if el.tail and el.tail.strip() and not _skipped(el.getparent()):
            chunks.append(el.tail.strip())
    found: dict[str, str] = {}
    labels = _words("web_metadata")
    pattern = re.compile(rf"^({'|'.join(map(re.escape, sorted(labels, key=len, reverse=True)))})[:：](.*)$")
    for k, chunk in enumerate(chunks):
        m = pattern.match(_squash(chunk))
        if not m or m.group(1) in found:
            continue
        value = re.sub(r"^\s*\S+?\s*[:：]\s*", "", chunk, count=1).strip() if m.group(2) else ""
        if not value and k + 1 < len(chunks) and not pattern.match(_squash(chunks[k + 1])):
            value = chunks[k + 1].strip()
        # 「发布日期：2021-06-01　　点击数：356」: the value ends at a wide gap or at the next label.
        value = re.split(r"\s{2,}|\u3000|\s+(?=[^\s:：]{2,6}[:：])", value)[0].strip()
        if value and len(value) <= 80:
            found[m.group(1)] = re.sub(r"\s+", " ", value)
    return [(label, found[label]) for label in labels if label in found]


def _skipped(el) -> bool:
    while el is not None:
        if isinstance(el.tag, str) and el.tag in _SKIP:
            return True
        el = el.getparent()
    return False


class _Walker:
    """Turns the article's element tree into paragraph and table lines, in document order."""

    def __init__(self) -> None:
        self.out: list[Line] = []
        self.parts: list[tuple[str, bool]] = []
        self.heading: int | None = None
        self.tables = 0

    def lines(self, root) -> list[Line]:
        self.walk(root, bold=False)
        self.flush()
        return self.out

    def flush(self) -> None:
        text = re.sub(r"[ \t\r\n\f\v\u00a0]+", " ", "".join(t for t, _ in self.parts)).strip()
        if text:
            shown = [(t, b) for t, b in self.parts if t.strip()]
            bold = bool(shown) and all(b for _, b in shown)
            self.out.append(Line(text, heading=self.heading, bold=bold))
        self.parts = []
        self.heading = None

    def walk(self, el, bold: bool) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SKIP or not tag:
            return
        bold = bold or tag in _BOLD or bool(re.search(r"font-weight\s*:\s*(bold|[6-9]00)", el.get("style") or ""))
        if tag == "table" and self.table(el):
            return
        block = tag in _BLOCK
        if block:
            self.flush()
            if re.fullmatch(r"h[1-6]", tag):
                self.heading = int(tag[1])
        if el.text:
            self.parts.append((el.text, bold))
        for child in el:
            self.walk(child, bold)
            if child.tail:
                self.parts.append((child.tail, bold))
        if block:
            self.flush()

    def table(self, el) -> bool:
        """A data table becomes rows; a layout table (one column, or one holding paragraphs) is walked as text."""
        rows = el.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")
        if len(rows) < 2 or el.xpath(".//table") or el.xpath(".//td//p[string-length(normalize-space()) > 150]"):
            return False
        grid: dict[tuple[int, int], str] = {}
        for r, tr in enumerate(rows):
            c = 0
            for cell in tr.xpath("./td|./th"):
                while (r, c) in grid:
                    c += 1
                rs = _span(cell.get("rowspan"))
                cs = _span(cell.get("colspan"))
                text = re.sub(r"\s+", " ", cell.text_content()).strip()
                for dr in range(rs):
                    for dc in range(cs):
                        grid.setdefault((r + dr, c + dc), text if dc == 0 else "")
                c += cs
        width = max((c for _, c in grid), default=-1) + 1
        if width < 2:
            return False
        self.flush()
        self.tables += 1
        for r in range(len(rows)):
            cells = tuple(grid.get((r, c), "") for c in range(width))
            if any(cells):
                self.out.append(Line("\t".join(cells), cells=cells, table=self.tables))
        return True


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 50))
    except ValueError:
        return 1
