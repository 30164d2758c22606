"""The shape of the code: no import cycle between rio's parts, no oversized file, no SQL outside adapters.

These read the source (Python through :mod:`ast`, Rust as text); nothing is imported or run.

The import graph's nodes are rio's subpackages (``rio.cli``, ``rio.server``, ``rio.loader``, …) and
its top-level modules (``rio.contract``, ``rio.config``, …), plus ``rio`` itself for names taken from
its ``__init__``. Every import counts, a function's lazy import included: it runs sooner or later,
and a cycle through it is a cycle all the same. Imports under ``if TYPE_CHECKING:`` do not count:
they never run.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "rio"
RUST_SOURCES = ROOT / "rio_core" / "src"

MAX_PYTHON_LINES = 800
MAX_RUST_LINES = 1500

#: Where SQL must not be written: statements belong to the adapters.
NO_SQL_UNDER = ("loader", "cli")
SQL_STATEMENTS = ("SELECT ", "INSERT INTO", "DELETE FROM", "CREATE TABLE")


def python_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def node_of(module: str) -> str | None:
    """The graph node a module of rio belongs to: its subpackage, or itself at the top level."""
    parts = module.split(".")
    if parts[0] != "rio":
        return None
    return ".".join(parts[:2])


# --- imports -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    """One import of a rio module by another: who, whom, and where it is written."""

    importer: str
    imported: str
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line} imports {self.imported}"


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of the tree, but for the bodies of ``if TYPE_CHECKING:`` (their ``else`` runs)."""
    pending = [tree]
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))


def _submodule_exists(module: str) -> bool:
    relative = Path(*module.split("."))
    return (ROOT / relative).is_dir() or (ROOT / relative).with_suffix(".py").is_file()


def _absolute(module: str, is_package: bool, level: int, target: str | None) -> str:
    """The absolute name a ``from`` import names, relative ones resolved against ``module``."""
    if level == 0:
        return target or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - (level - 1)]
    return ".".join([*base, *([target] if target else [])])


def imports_in(tree: ast.AST, importer: str, is_package: bool) -> Iterator[tuple[str, int]]:
    """The modules a parsed module imports at run time, each with the line that imports it."""
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(importer, is_package, node.level, node.module)
            # ``from rio import contract`` imports the module rio.contract; ``from rio import
            # RedshiftIO`` takes a name from rio's __init__.
            named = {f"{source}.{alias.name}" for alias in node.names}
            for imported in sorted({name if _submodule_exists(name) else source for name in named}):
                yield imported, node.lineno
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, (ast.Name, ast.Attribute))
            and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value, node.lineno


def imports_of(path: Path) -> Iterator[Import]:
    """The modules a file of rio imports at run time, each with where."""
    importer = module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for imported, line in imports_in(tree, importer, path.name == "__init__.py"):
        yield Import(importer, imported, path, line)


def import_graph() -> dict[str, dict[str, list[Import]]]:
    """Node → imported node → the imports that make the edge (edges inside a node left out)."""
    graph: dict[str, dict[str, list[Import]]] = {}
    for path in python_files():
        importer = node_of(module_name(path))
        assert importer is not None
        graph.setdefault(importer, {})
        for found in imports_of(path):
            imported = node_of(found.imported)
            if imported is not None and imported != importer:
                graph[importer].setdefault(imported, []).append(found)
                graph.setdefault(imported, {})
    return graph


def strongly_connected(graph: dict[str, dict[str, list[Import]]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one node, each sorted."""
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = lowest[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                lowest[node] = min(lowest[node], lowest[successor])
            elif successor in on_stack:
                lowest[node] = min(lowest[node], index[successor])
        if lowest[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def shortest_cycle(graph: dict[str, dict[str, list[Import]]], component: list[str]) -> list[str]:
    """A shortest cycle through the component's first node, as a path that ends where it starts."""
    start = component[0]
    members = set(component)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for successor in sorted(graph[node]):
                if successor not in members:
                    continue
                if successor == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if successor not in came_from:
                    came_from[successor] = node
                    following.append(successor)
        frontier = following
    raise AssertionError(f"no cycle in the component {component}")


def describe_cycle(graph: dict[str, dict[str, list[Import]]], cycle: list[str]) -> str:
    lines = [" -> ".join(cycle)]
    for importer, imported in itertools.pairwise(cycle):
        lines += [f"    {importer} -> {imported}:"] + [
            f"        {edge}" for edge in graph[importer][imported]
        ]
    return "\n".join(lines)


def test_the_import_graph_is_read_whole() -> None:
    graph = import_graph()
    # The parts every other part stands on are there, and so is a lazy import's edge.
    assert {"rio", "rio.cli", "rio.server", "rio.loader", "rio.adapters", "rio.contract"} <= set(graph)
    assert "rio.server" in graph["rio.cli"]


def test_rio_has_no_import_cycle() -> None:
    graph = import_graph()
    cycles = [
        describe_cycle(graph, shortest_cycle(graph, component)) for component in strongly_connected(graph)
    ]
    assert not cycles, "import cycles between rio's parts:\n" + "\n".join(cycles)


def test_the_server_does_not_import_the_command_line() -> None:
    # The command line starts the server; the server must not need it back.
    edges = import_graph()["rio.server"].get("rio.cli", [])
    assert not edges, "\n".join(map(str, edges))


def test_the_cycle_finder_finds_a_cycle_and_its_path() -> None:
    graph: dict[str, dict[str, list[Import]]] = {
        "a": {"b": []},
        "b": {"c": []},
        "c": {"a": [], "d": []},
        "d": {},
    }
    assert strongly_connected(graph) == [["a", "b", "c"]]
    assert shortest_cycle(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]


def test_type_checking_imports_do_not_count_and_lazy_ones_do() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from rio.cli import cli\n"
        "else:\n"
        "    import rio.errors\n"
        "def later():\n"
        "    from rio.loader import LoadOptions, run_job\n"
        "    from . import state\n"
    )
    found = sorted(imports_in(ast.parse(source), "rio.server.probe", is_package=False))
    assert found == [("rio.errors", 5), ("rio.loader", 7), ("rio.server.state", 8), ("typing", 1)]


def test_relative_imports_are_resolved() -> None:
    assert _absolute("rio.server.main", False, 1, "state") == "rio.server.state"
    assert _absolute("rio.server", True, 1, "state") == "rio.server.state"
    assert _absolute("rio.server.main", False, 2, "contract") == "rio.contract"


# --- sizes -------------------------------------------------------------------------------------------


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_python_module_is_over_the_limit() -> None:
    oversized = {
        str(path.relative_to(ROOT)): count
        for path in python_files()
        if (count := line_count(path)) > MAX_PYTHON_LINES
    }
    assert not oversized, f"Python modules over {MAX_PYTHON_LINES} lines: {oversized}"


_CFG_TEST = re.compile(r"^\s*#\[cfg\(test\)\]")
_MODULE = re.compile(r"^\s*(pub(\(\w+\))?\s+)?mod\s+\w+")


def rust_code_lines(text: str) -> int:
    """The lines of a Rust file before its ``#[cfg(test)]`` module (all of them if it has none)."""
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if not _CFG_TEST.match(line):
            continue
        following = (
            item for item in lines[number + 1 :] if item.strip() and not item.lstrip().startswith("#[")
        )
        if _MODULE.match(next(following, "")):
            return number
    return len(lines)


def is_test_only(path: Path) -> bool:
    relative = path.relative_to(RUST_SOURCES)
    return path.name == "tests.rs" or "tests" in relative.parts[:-1]


def test_the_rust_line_count_leaves_out_the_test_module() -> None:
    text = "fn a() {}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() {}\n}\n"
    assert rust_code_lines(text) == 2
    assert rust_code_lines("#[cfg(test)]\nfn helper() {}\nfn b() {}\n") == 3
    assert is_test_only(RUST_SOURCES / "decode" / "tests.rs")
    assert is_test_only(RUST_SOURCES / "tests" / "helpers.rs")
    assert not is_test_only(RUST_SOURCES / "packer.rs")


def test_no_rust_file_is_over_the_limit() -> None:
    files = sorted(RUST_SOURCES.rglob("*.rs"))
    assert files, f"no Rust sources under {RUST_SOURCES}"
    oversized = {
        str(path.relative_to(ROOT)): count
        for path in files
        if not is_test_only(path)
        and (count := rust_code_lines(path.read_text(encoding="utf-8"))) > MAX_RUST_LINES
    }
    assert not oversized, f"Rust files with over {MAX_RUST_LINES} lines before their tests: {oversized}"


# --- SQL ---------------------------------------------------------------------------------------------


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the tree's docstring nodes: the first expression of a module, class or function."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _help_texts(tree: ast.AST) -> set[int]:
    """The ids of every string written as a ``help=`` argument (click's options' help)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "help":
                    found.update(id(inner) for inner in ast.walk(keyword.value))
    return found


def sql_literals(path: Path) -> Iterator[tuple[int, str]]:
    """The code string literals of a file that hold SQL statement text: line and text."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skipped = _docstrings(tree) | _help_texts(tree)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skipped
            and any(statement in node.value for statement in SQL_STATEMENTS)
        ):
            yield node.lineno, node.value


def test_the_sql_finder_skips_docstrings_and_help_texts() -> None:
    source = (
        '"""SELECT in a docstring."""\n'
        'option("--x", help="runs DELETE FROM t")\n'
        "def f():\n"
        '    """INSERT INTO, described."""\n'
        '    return f"SELECT {1} FROM t"\n'
    )
    tree = ast.parse(source)
    skipped = _docstrings(tree) | _help_texts(tree)
    found = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped
    ]
    assert [text for text in found if any(statement in text for statement in SQL_STATEMENTS)] == ["SELECT "]


@pytest.mark.parametrize("part", NO_SQL_UNDER)
def test_no_sql_statement_is_written_outside_the_adapters(part: str) -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text.strip()[:80]!r}"
        for path in sorted((PACKAGE / part).rglob("*.py"))
        for line, text in sql_literals(path)
    ]
    assert not found, f"SQL statements written in rio/{part}/ (they belong to the adapters):\n" + "\n".join(
        found
    )
