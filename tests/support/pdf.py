"""Write small synthetic PDFs for the parser tests: text pages, and scanned (image-only) pages."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path


def write_pdf(path: Path, pages: list[list[tuple[str, float, float, float]]],
              width: float = 595, height: float = 842, flip: bool = False) -> Path:
    """Write a PDF whose pages show the given text runs: ``(text, font size, x, y from the top)``.

    The font is a Type0/Identity-H font with a ToUnicode map and no glyphs: enough
    for text extraction, which is all the parser reads.  Text coordinates are PDF's
    own (y grows upwards) or, with ``flip``, Skia's (the page is flipped and y grows
    downwards, as in the printed Bazhong plan).

    The file is serialised here, object by object: pypdf's writer has no public way
    to add the indirect streams (contents, ToUnicode) a font needs.
    """
    chars = sorted({c for runs in pages for run in runs for c in run[0]})
    cid = {c: i + 1 for i, c in enumerate(chars)}
    cmap = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
            "1 begincodespacerange <0000> <FFFF> endcodespacerange"]
    pairs = list(cid.items())
    for k in range(0, len(pairs), 100):
        chunk = pairs[k:k + 100]
        cmap.append(f"{len(chunk)} beginbfchar")
        cmap += [f"<{i:04X}> <{c.encode('utf-16-be').hex().upper()}>" for c, i in chunk]
        cmap.append("endbfchar")
    cmap += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]

    pdf = _Objects()
    catalog, tree = pdf.reserve(), pdf.reserve()
    to_unicode = pdf.stream("\n".join(cmap).encode())
    descriptor = pdf.add(
        "<< /Type /FontDescriptor /FontName /KbTest /Flags 4 /FontBBox [0 0 0 0] /ItalicAngle 0 "
        "/Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>"
    )
    cid_font = pdf.add(
        "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /KbTest "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        f"/FontDescriptor {descriptor} 0 R /DW 1000 >>"
    )
    font = pdf.add(
        "<< /Type /Font /Subtype /Type0 /BaseFont /KbTest /Encoding /Identity-H "
        f"/DescendantFonts [{cid_font} 0 R] /ToUnicode {to_unicode} 0 R >>"
    )
    kids = []
    for runs in pages:
        ops = [f"1 0 0 -1 0 {height} cm"] if flip else []
        ops += [
            f"BT /F1 {size} Tf 1 0 0 {-1 if flip else 1} {x} {y if flip else height - y} Tm "
            f"<{''.join(f'{cid[c]:04X}' for c in text)}> Tj ET"
            for text, size, x, y in runs
        ]
        content = pdf.stream("\n".join(ops).encode())
        kids.append(pdf.add(
            f"<< /Type /Page /Parent {tree} 0 R /MediaBox [0 0 {width} {height}] "
            f"/Resources << /Font << /F1 {font} 0 R >> >> /Contents {content} 0 R >>"
        ))
    pdf.set(tree, f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>")
    pdf.set(catalog, f"<< /Type /Catalog /Pages {tree} 0 R >>")
    path.write_bytes(pdf.serialise(catalog))
    return path


class _Objects:
    """The numbered objects of a PDF file, and the file they make (header, bodies, xref, trailer)."""

    def __init__(self) -> None:
        self.bodies: list[bytes | None] = []

    def reserve(self) -> int:
        self.bodies.append(None)
        return len(self.bodies)

    def set(self, number: int, body: str | bytes) -> None:
        self.bodies[number - 1] = body.encode() if isinstance(body, str) else body

    def add(self, body: str | bytes) -> int:
        number = self.reserve()
        self.set(number, body)
        return number

    def stream(self, data: bytes) -> int:
        return self.add(b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream")

    def serialise(self, root: int) -> bytes:
        out = BytesIO()
        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(self.bodies, start=1):
            assert body is not None, f"object {number} was reserved but never written"
            offsets.append(out.tell())
            out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
        xref = out.tell()
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(self.bodies) + 1))
        out.writelines(b"%010d 00000 n \n" % o for o in offsets)
        out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(self.bodies) + 1, root, xref))
        return out.getvalue()


def write_image_pdf(path: Path, images: list, resolution: float = 144.0) -> Path:
    """An image-only PDF, one image per page, as a scanner makes (PIL images; ``resolution`` in dpi)."""
    first, *rest = [im.convert("RGB") for im in images]
    first.save(path, "PDF", resolution=resolution, save_all=True, append_images=rest)
    return path


def render_pages(pdf: Path, pages: list[int], scale: float = 2.0, crop: tuple[float, float] | None = None) -> list:
    """Render 1-based pages of a PDF to PIL images (its fonts drawn by PDFium), optionally cropped.

    ``crop`` keeps a band of each page, as fractions of its height from the top.
    """
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        out = []
        for n in pages:
            image = doc[n - 1].render(scale=scale).to_pil().convert("L")
            if crop is not None:
                top, bottom = crop
                image = image.crop((0, int(top * image.height), image.width, int(bottom * image.height)))
            out.append(image)
        return out
    finally:
        doc.close()
