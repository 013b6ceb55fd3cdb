"""Shared test fixtures.

Parser: the Bazhong plan in its two editions (a damaged text export and the printed
PDF), each parsed once per session, and a builder for small synthetic PDFs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.paths import EDITIONS, PLAN_PDF, PLAN_TXT, ROOT
from support.pdf import write_pdf

import kb.ingest.parse
from kb.document import Document

# ------------------------------------------------------------------ parser

_PARSED: dict[Path, Document] = {}
_parse_file = kb.ingest.parse.parse_file  # the real one, whatever a test patches later


def parse_once(path: Path) -> Document:
    """Parse a file once per test session (the PDF edition takes seconds)."""
    key = Path(path).resolve()
    if key not in _PARSED:
        _PARSED[key] = _parse_file(key)
    return _PARSED[key]


@pytest.fixture(scope="session")
def plan_txt():
    """The text edition of the Bazhong plan, parsed."""
    return parse_once(PLAN_TXT)


@pytest.fixture(scope="session")
def plan_pdf():
    """The PDF edition of the Bazhong plan, parsed."""
    return parse_once(PLAN_PDF)


@pytest.fixture(scope="session", params=sorted(EDITIONS))
def plan(request):
    """Each edition of the Bazhong plan in turn."""
    return parse_once(EDITIONS[request.param])


@pytest.fixture(scope="session")
def run_kb():
    """Run ``kb ARGS…`` in-process with click's CliRunner; returns the click Result.

    ``kb.ingest.parse.parse_file`` is wrapped for the call so that the two plan editions are
    served from the session's single parse: the command still runs its whole real
    path (discover, parse_paths, output) without extracting the PDF again.
    """
    from click.testing import CliRunner

    from kb.interfaces.cli import cli

    editions = {p.resolve() for p in EDITIONS.values()}

    def parse_file(path):
        return parse_once(path) if Path(path).resolve() in editions else _parse_file(path)

    def run(*args: str | Path):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(kb.ingest.parse, "parse_file", parse_file)
            return CliRunner().invoke(cli, [str(a) for a in args])

    return run


# ---------------------------------------------------------- synthetic PDFs


@pytest.fixture()
def make_pdf(tmp_path):
    """Factory: ``make_pdf("x.pdf", pages, flip=False)`` writes a synthetic PDF into tmp_path (see write_pdf)."""

    def make(filename: str, pages: list[list[tuple[str, float, float, float]]], flip: bool = False) -> Path:
        return write_pdf(tmp_path / filename, pages, flip=flip)

    return make


# --------------------------------------------------------------- web app


@pytest.fixture(scope="session")
def plan_kb(tmp_path_factory):
    """A KnowledgeBase over the Bazhong plan, indexed once per session with the fake encoder (seconds)."""
    from support.fakes import HashEncoder

    from kb.knowledge import KnowledgeBase

    folder = tmp_path_factory.mktemp("plan-kb") / "index"
    KnowledgeBase.build(ROOT / "corpus", folder, encoder=HashEncoder(), progress=False)
    return KnowledgeBase.open(folder, encoder=HashEncoder())


@pytest.fixture(scope="session")
def pdf_kb(tmp_path_factory, plan_pdf):
    """A KnowledgeBase over the PDF edition (real pages), from the session's one parse, fake encoder."""
    from support.fakes import HashEncoder

    from kb.index.store import build_index
    from kb.knowledge import KnowledgeBase

    folder = tmp_path_factory.mktemp("pdf-kb") / "index"
    build_index([plan_pdf], folder, HashEncoder(), progress=False)
    return KnowledgeBase.open(folder, encoder=HashEncoder())
