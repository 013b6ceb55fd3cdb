"""What OCR costs: seconds per scanned page on this machine, and how well it reads.

Renders pages of the printed Bazhong plan to an image-only PDF (a scan without
scanner noise), OCRs them with no cache, and prints per-page seconds (rendering
and recognition), boxes, characters and confidence.  With ``--cer`` the text of
every OCR'd page is compared with the text edition: the character error rate is
the edit distance between the two, whitespace and punctuation width aside, over
the reference length.  Prints figures, asserts nothing.

    .venv/bin/python bench/ocr.py [--pages 5,13,30] [--threads N] [--cer] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

PLAN = "巴中市十四五生态环境保护规划"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pdf", type=Path, default=ROOT / "tests" / "data" / f"{PLAN}.pdf")
    ap.add_argument("--txt", type=Path, default=ROOT / "corpus" / f"{PLAN}.txt")
    ap.add_argument("--pages", default="5,13,30", help="1-based pages, comma-separated, or 'all'")
    ap.add_argument("--threads", type=int, default=0, help="ONNX Runtime threads (0: all cores)")
    ap.add_argument("--cer", action="store_true", help="also the character error rate against the text edition")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    import pypdfium2 as pdfium
    from support.pdf import render_pages, write_image_pdf

    from kb.ingest import ocr

    total = len(pdfium.PdfDocument(args.pdf))
    pages = list(range(1, total + 1)) if args.pages == "all" else [int(p) for p in args.pages.split(",")]
    if args.threads:
        from rapidocr_onnxruntime import RapidOCR

        ocr.engine.cache_clear()
        engine = RapidOCR(intra_op_num_threads=args.threads, inter_op_num_threads=1)
        ocr.engine = lambda: engine  # type: ignore[assignment]

    t0 = time.perf_counter()
    ocr.engine()
    load_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        scan = write_image_pdf(Path(tmp) / "scan.pdf", render_pages(args.pdf, pages, scale=ocr.SCALE))
        data = scan.read_bytes()
        rows = []
        for k, number in enumerate(pages, start=1):
            t = time.perf_counter()
            (page,) = ocr.ocr_pages(data, [k], cache=None)
            seconds = time.perf_counter() - t
            rows.append({"page": number, "seconds": round(seconds, 2), "boxes": len(page.boxes),
                         "chars": page.chars, "confidence": round(page.confidence, 4), "_page": page})
    result = {
        "cpus": os.cpu_count(), "scale": ocr.SCALE, "engine_load_s": round(load_s, 2), "pages": len(rows),
        "seconds_per_page": round(statistics.fmean(r["seconds"] for r in rows), 2),
        "median_seconds_per_page": round(statistics.median(r["seconds"] for r in rows), 2),
        "chars_per_second": round(sum(r["chars"] for r in rows) / sum(r["seconds"] for r in rows), 1),
        "confidence": round(statistics.fmean(r["confidence"] for r in rows), 4),
    }
    if args.cer:
        total_cer, rates = cer([r["_page"] for r in rows], args.txt)
        result["cer"] = round(total_cer, 4)
        for r, rate in zip(rows, rates, strict=True):
            r["cer"] = round(rate, 4)
    per_page = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
    if args.json:
        print(json.dumps({**result, "per_page": per_page}, ensure_ascii=False))
        return
    print(f"OCR on {result['cpus']} CPU(s), render scale {ocr.SCALE} ({72 * ocr.SCALE:.0f} dpi); "
          f"engine load {result['engine_load_s']} s")
    for r in per_page:
        cer_note = f"  CER {r['cer']:.2%}" if "cer" in r else ""
        print(f"  page {r['page']:>3}: {r['seconds']:6.2f} s  {r['boxes']:>4} boxes  {r['chars']:>5} chars  "
              f"confidence {r['confidence']:.3f}{cer_note}")
    print(f"mean {result['seconds_per_page']} s/page (median {result['median_seconds_per_page']}), "
          f"{result['chars_per_second']} chars/s, mean confidence {result['confidence']}")
    if "cer" in result:
        print(f"character error rate against the text edition: {result['cer']:.2%} "
              "(a table page reads its cells in another order than the text edition: see its own rate)")


def normalise(text: str) -> str:
    """Text for comparison: no whitespace, full-width forms folded (OCR reads （ as ( and vice versa)."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKC", text) if not c.isspace())


def cer(pages, txt: Path) -> tuple[float, list[float]]:
    """Character error rate of OCR'd pages against the stretch of the text edition each page covers.

    Returns the rate over all pages and each page's.  The running header (a first line
    shared by several pages) and page numbers are left out: they are not in the text
    edition's flow, and cleaning drops them anyway.  A table page reads its cells row by
    row where the text edition lists them otherwise, so its rate overstates OCR errors.
    """
    from collections import Counter

    from rapidfuzz.distance import Levenshtein

    from kb.ingest.ocr import page_lines

    per_page = [[ln.text for ln in page_lines(p)] for p in pages]
    firsts = Counter(lines[0] for lines in per_page if lines)
    reference = normalise(txt.read_text(encoding="utf-8"))
    errors = length = 0
    rates: list[float] = []
    for lines in per_page:
        kept = [t for t in lines if not ((firsts[t] >= 2 and len(per_page) > 1) or t.startswith("— "))]
        text = normalise("".join(kept))
        stretch = _stretch(text, reference) if text else ""
        e = Levenshtein.distance(text, stretch)
        errors += e
        length += len(stretch)
        rates.append(e / len(stretch) if stretch else 0.0)
    return (errors / length if length else 0.0), rates


def _stretch(text: str, reference: str) -> str:
    """The part of the reference this text reads, from where its first pieces are found to where its last are.

    Pieces are exact 8-character runs of the OCR text; their positions in the reference,
    less their offsets in the text, estimate where the page starts (median over the first
    half) and ends (median over the second half).
    """
    starts, ends = [], []
    step = 8
    for k in range(0, max(1, len(text) - step), step):
        pos = reference.find(text[k:k + step])
        if pos < 0:
            continue
        (starts if k < len(text) / 2 else ends).append((pos - k, pos + len(text) - k))
    found = starts + ends
    if not found:
        return reference[: len(text)]
    start = int(statistics.median(a for a, _ in (starts or found)))
    end = int(statistics.median(b for _, b in (ends or found)))
    return reference[max(0, start):max(start, end)]


if __name__ == "__main__":
    main()
