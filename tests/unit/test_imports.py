"""The import graph of kb/, read from the source (lazy imports inside functions included).

Layers import one way only, so there is no cycle anywhere; the CLI reaches the
library through KnowledgeBase; the web package never imports the CLI.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from support.paths import ROOT

KB = ROOT / "kb"
CLI = "kb.interfaces.cli"
#: What CLI modules may import from kb, besides their own package.
CLI_MAY_IMPORT = {"kb.knowledge", "kb.errors", "kb.config", "kb.document", "kb.text.display",
                  "kb.text.notation", "kb.auth"}
#: And the two exceptions, each in one module: files through export, the web app for `kb serve`.
CLI_EXCEPTIONS = {f"{CLI}.render": {"kb.tools.export", "kb.tools"},
                  f"{CLI}.commands.serve": {"kb.interfaces.web", "kb.interfaces.web.app"}}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(KB.rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """The kb modules ``name`` imports anywhere in its source; ``from pkg import sub`` counts as pkg.sub."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for a in node.names:
                sub = f"{base}.{a.name}"
                out.add(sub if sub in MODULES else base)
    return {m for m in out if m in MODULES and m != name}


GRAPH = {name: imports_of(name) for name in MODULES}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_the_graph_is_read():
    assert f"{CLI}.group" in MODULES and f"{CLI}.commands.tools" in MODULES
    assert "kb.knowledge" in GRAPH[f"{CLI}.commands.tools"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles_anywhere_in_kb():
    assert cycles(GRAPH) == []


def test_the_cli_reaches_the_library_only_through_knowledge_base():
    wrong = {}
    for name, deps in GRAPH.items():
        if name == CLI or name.startswith(CLI + "."):
            allowed = CLI_MAY_IMPORT | CLI_EXCEPTIONS.get(name, set())
            bad = {d for d in deps if d not in allowed and not (d == CLI or d.startswith(CLI + "."))}
            if bad:
                wrong[name] = sorted(bad)
    assert wrong == {}


def test_nothing_below_the_interfaces_imports_them():
    for name, deps in GRAPH.items():
        if name.startswith("kb.interfaces.web"):
            assert not {d for d in deps if d.startswith(CLI)}, name
        if not name.startswith("kb.interfaces") and name != "kb.__main__":  # `python -m kb` is the CLI
            assert not {d for d in deps if d.startswith("kb.interfaces")}, name


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith(CLI)))
def test_each_cli_module_imports_alone_without_the_web_app(module):
    """A fresh interpreter per module: no cycle hides behind import order, and Gradio stays unloaded."""
    code = (f"import sys, {module}; bad = [m for m in ('gradio', 'kb.interfaces.web') if m in sys.modules]; "
            "print(*bad); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
