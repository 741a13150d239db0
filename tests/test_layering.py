"""The import graph, read from the source: flowad/ never reaches into search/, Ray or MLflow, and no flowad module
imports itself back, at load time or lazily inside a function (only ``if TYPE_CHECKING:`` imports, which never
run, are left out)."""

import ast

from tests.conftest import ROOT


def module_imports(package: str) -> dict[str, set[str]]:
    """Each module of ``package`` (dotted name) → the modules it imports anywhere, function bodies included (but
    not under ``if TYPE_CHECKING:``). ``from a.b import c`` counts ``a.b.c`` when that is a module, else ``a.b``."""
    files = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
             for p in (ROOT / package).rglob("*.py")}
    graph = {}
    for name, path in files.items():
        edges = set()
        for node in _runtime_nodes(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                edges |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                edges |= {f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in files else node.module for a in node.names}
        graph[name] = edges
    return graph


def _runtime_nodes(tree: ast.AST):
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            continue
        yield node
        yield from _runtime_nodes(node)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == "open":
                found.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_flowad_never_imports_the_application_or_its_frameworks():
    for module, edges in module_imports("flowad").items():
        bad = {e for e in edges if e.split(".")[0] in ("search", "ray", "mlflow")}
        assert not bad, f"{module} imports {sorted(bad)}"


def test_no_flowad_module_imports_itself_back():
    graph = module_imports("flowad")
    assert not cycles(graph), cycles(graph)


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_search_is_sub_packages_each_saying_its_concept_in_one_line_and_the_map_names_every_module():
    search = ROOT / "search"
    assert sorted(p.name for p in search.glob("*.py")) == ["__init__.py"]  # no module outside a concept
    packages = sorted(p.parent for p in search.glob("*/__init__.py"))
    mapped = (ROOT / "docs" / "search.md").read_text()
    for package in packages:
        doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text()))
        assert doc and "\n" not in doc.split("\n\n")[0], f"{package.name}: its docstring opens with one line saying its concept"
        for module in package.glob("*.py"):
            if not module.name.startswith("__"):
                assert f"`search.{package.name}.{module.stem}`" in mapped, f"docs/search.md does not name search.{package.name}.{module.stem}"


def test_only_search_imports_ray_and_mlflow_and_tests_helpers_stay_in_search_testing():
    graph = module_imports("search")
    for module, edges in graph.items():
        assert not any(e.startswith("tests") for e in edges), module
        if not module.startswith("search.testing"):
            assert not any(e.startswith("search.testing") for e in edges), f"{module} imports a test helper"
