"""The package has no import cycle: no module imports, at its top or inside a function, a
module that imports it back. A cycle makes the import order matter and hides a helper both
sides need; the cure is a module of its own (charrnn.model.device ended the training <->
evaluation cycle)."""

import ast
import configparser
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "charrnn"


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(name, path):
    """The charrnn modules a module imports anywhere in its source. `from charrnn.a import b`
    imports the module charrnn.a.b when there is one, else charrnn.a."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from .x import y
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}".rstrip(".")
            found |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                      for alias in node.names}
    return {target for target in found if target in MODULES and target != name}


GRAPH = {name: imported(name, path) for name, path in MODULES.items()}


def cycle_from(start):
    """A path start -> ... -> start through the import graph, or None (depth-first)."""
    stack, seen = [(start, [start])], set()
    while stack:
        node, path = stack.pop()
        for target in GRAPH[node]:
            if target == start:
                return path + [start]
            if target not in seen:
                seen.add(target)
                stack.append((target, path + [target]))
    return None


def test_the_graph_sees_function_level_and_from_imports():
    assert "charrnn.model.device" in GRAPH["charrnn.train.distributed"]  # from charrnn.model.device import ...
    assert "charrnn.train.distributed" in GRAPH["charrnn.cli.train"]  # inside the command
    assert "charrnn.music.abc.collections" in GRAPH["charrnn.cli.music"]  # from charrnn.music.abc import collections


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_imports_itself_back(name):
    cycle = cycle_from(name)
    assert cycle is None, " -> ".join(cycle)


# ---- the rooms and the import rules between them (setup.cfg, [importlinter]) ------------
SETUP_CFG = PACKAGE.parent / "setup.cfg"


def lint(config):
    from importlinter.cli import lint_imports

    return lint_imports(config_filename=str(config), no_cache=True, no_logo=True)


def test_the_rooms_keep_their_import_rules():
    assert lint(SETUP_CFG) == 0


def test_every_room_stands_in_the_layers():
    """A room added to the package must be placed among the layers, or no rule sees it."""
    parser = configparser.ConfigParser()
    parser.read(SETUP_CFG, encoding="utf-8")
    layers = parser["importlinter:contract:rooms"]["layers"]
    layered = {room for line in layers.split("\n") for room in line.replace("|", " ").split()}
    rooms = {module_name(path) for path in PACKAGE.iterdir()
             if path.suffix == ".py" and path.stem not in ("__init__", "__main__")
             or (path / "__init__.py").is_file()}
    rooms = (rooms - {"charrnn.music"}) | {module_name(path.parent) for path in
                                           (PACKAGE / "music").glob("*/__init__.py")}
    assert layered == rooms


def test_an_import_inside_a_function_breaks_a_rule(tmp_path):
    """The rules see the imports a command makes when it runs, not only those at the top."""
    config = tmp_path / "rules.ini"
    config.write_text("[importlinter]\nroot_package = charrnn\n\n"
                      "[importlinter:contract:lazy]\nname = lazy\ntype = forbidden\n"
                      "source_modules = charrnn.cli.train\n"
                      "forbidden_modules = charrnn.train.distributed\n", encoding="utf-8")
    assert lint(config) == 1
