"""Write small synthetic PDFs for the parser tests."""

from __future__ import annotations

from pathlib import Path


def write_pdf(path: Path, pages: list[list[tuple[str, float, float, float]]],
              width: float = 595, height: float = 842, flip: bool = False) -> Path:
    """Write a PDF whose pages show the given text runs: ``(text, font size, x, y from the top)``.

    The font is a Type0/Identity-H font with a ToUnicode map and no glyphs: enough
    for text extraction, which is all the parser reads.  Text coordinates are PDF's
    own (y grows upwards) or, with ``flip``, Skia's (the page is flipped and y grows
    downwards, as in the printed Bazhong plan).
    """
    from pypdf import PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    def name(n: str) -> NameObject:
        return NameObject(n)

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

    w = PdfWriter()
    to_unicode = DecodedStreamObject()
    to_unicode.set_data("\n".join(cmap).encode())
    descriptor = DictionaryObject({
        name("/Type"): name("/FontDescriptor"), name("/FontName"): name("/KbTest"),
        name("/Flags"): NumberObject(4), name("/FontBBox"): ArrayObject([NumberObject(0)] * 4),
        name("/ItalicAngle"): NumberObject(0), name("/Ascent"): NumberObject(880),
        name("/Descent"): NumberObject(-120), name("/CapHeight"): NumberObject(700),
        name("/StemV"): NumberObject(80),
    })
    cid_font = DictionaryObject({
        name("/Type"): name("/Font"), name("/Subtype"): name("/CIDFontType2"), name("/BaseFont"): name("/KbTest"),
        name("/CIDSystemInfo"): DictionaryObject({
            name("/Registry"): TextStringObject("Adobe"), name("/Ordering"): TextStringObject("Identity"),
            name("/Supplement"): NumberObject(0),
        }),
        name("/FontDescriptor"): w._add_object(descriptor), name("/DW"): NumberObject(1000),
    })
    font = w._add_object(DictionaryObject({
        name("/Type"): name("/Font"), name("/Subtype"): name("/Type0"), name("/BaseFont"): name("/KbTest"),
        name("/Encoding"): name("/Identity-H"), name("/DescendantFonts"): ArrayObject([w._add_object(cid_font)]),
        name("/ToUnicode"): w._add_object(to_unicode),
    }))
    for runs in pages:
        page = w.add_blank_page(width, height)
        ops = [f"1 0 0 -1 0 {height} cm"] if flip else []
        ops += [
            f"BT /F1 {size} Tf 1 0 0 {-1 if flip else 1} {x} {y if flip else height - y} Tm "
            f"<{''.join(f'{cid[c]:04X}' for c in text)}> Tj ET"
            for text, size, x, y in runs
        ]
        content = DecodedStreamObject()
        content.set_data("\n".join(ops).encode())
        page[name("/Contents")] = w._add_object(content)
        page[name("/Resources")] = DictionaryObject({name("/Font"): DictionaryObject({name("/F1"): font})})
    with open(path, "wb") as f:
        w.write(f)
    return path


