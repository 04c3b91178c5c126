"""xyd_common's modules form layers: no module imports, even inside a function, one that imports it
back. A circle hidden by an import inside a function works until someone moves that import to the top
of the file, and it blurs which module may use which."""

import ast
from pathlib import Path

import xyd_common

PACKAGE = Path(xyd_common.__file__).parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(module: str, is_package: bool, node: ast.Import | ast.ImportFrom, known: set[str]) -> set[str]:
    """The package's modules `node` imports, counting the packages on the way (importing
    `xyd_common.events.outbox` runs `xyd_common/events/__init__.py` first)."""
    if isinstance(node, ast.Import):
        names = {alias.name for alias in node.names}
    else:
        base = module.split(".") if is_package else module.split(".")[:-1]
        if node.level:
            base = base[:len(base) - (node.level - 1)]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        names = {prefix} | {f"{prefix}.{alias.name}" for alias in node.names}
    found = set()
    for name in names:
        parts = name.split(".")
        found |= {".".join(parts[:n]) for n in range(2, len(parts) + 1)}
    return found & known


def import_graph() -> dict[str, set[str]]:
    files = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph = {}
    for module, path in files.items():
        nodes = ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        graph[module] = set().union(*(imported(module, path.name == "__init__.py", node, set(files))
                                      for node in nodes if isinstance(node, ast.Import | ast.ImportFrom)))
        # A package's own modules importing it (or it importing them) is how packages are built.
        graph[module] -= {module} | {name for name in graph[module] if module.startswith(name + ".")}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
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


def test_no_module_of_xyd_common_imports_one_that_imports_it():
    graph = import_graph()
    assert len(graph) > 20, "the package's modules were not found"
    found = circles(graph)
    assert not found, "import circles: " + "; ".join(
        " → ".join(f"{m} (imports {sorted(graph[m] & set(c))})" for m in c) for c in found)


def test_the_check_finds_a_circle_hidden_in_a_function():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    source = "def f():\n    from .api_docs import x\n"
    node = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom))
    assert imported("xyd_common.errors", False, node, {"xyd_common.api_docs"}) == {"xyd_common.api_docs"}
