"""The layers of the package (ARCHITECTURE.md): which package may import which, and which code may do what.

Parsed from the source, not imported: a module that imports against the direction of the stages fails here with
the line to change.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "headcat"

MAY_IMPORT: dict[str, set[str]] = {
    "model": set(),
    "process": set(),
    "cache": {"process"},
    "load": {"model", "cache", "process"},
    "catalog": {"model"},
    "render": {"model", "catalog", "cache", "process"},
    "write": {"cache", "process", "model"},
    "pipeline": {"model", "process", "cache", "load", "catalog", "render", "write"},
    "commands": {"model", "process", "cache", "load", "catalog", "render", "write", "pipeline"},
    "__init__": set(),
    "__main__": {"commands"},
}
"""The layers, in the order of ARCHITECTURE.md: a package may import itself and the packages listed for it."""

FORBIDDEN_LIBRARIES = {"model": {"yaml", "jinja2", "feedgen"}, "catalog": {"yaml", "jinja2", "feedgen"},
                       "render": {"yaml"}, "write": {"yaml", "jinja2", "feedgen"}}
"""Libraries a package never touches: the models never read YAML or render; YAML is read by the load stage."""


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def layer_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import in the file, relative imports resolved."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                raise AssertionError(f"{path}:{node.lineno}: use absolute imports (headcat.package.module)")
            module = node.module or ""
            if module == "headcat":  # from headcat import x: x is a package or a module at the top
                found += [(node.lineno, f"headcat.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, module))
    return found


@pytest.mark.parametrize("path", modules(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_imports_follow_the_direction_of_the_stages(path: Path) -> None:
    layer = layer_of(path)
    allowed = MAY_IMPORT[layer] | {layer}
    wrong = [f"{path}:{line}: {layer} may not import {module}"
             for line, module in imports(path)
             if module.startswith("headcat.") and module.split(".")[1] not in allowed | {"__version__"}]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", modules(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_libraries_stay_in_their_stage(path: Path) -> None:
    forbidden = FORBIDDEN_LIBRARIES.get(layer_of(path), set())
    wrong = [f"{path}:{line}: {module}" for line, module in imports(path) if module.split(".")[0] in forbidden]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", modules(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_only_the_commands_print_or_exit(path: Path) -> None:
    """Stages return values and raise typed errors; warnings go to the "headcat" logger, which the CLI prints."""
    if layer_of(path) == "commands":
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    wrong = [f"{path}:{call.lineno}: {ast.unparse(call.func)}" for call in calls
             if ast.unparse(call.func) in {"print", "sys.exit", "exit", "quit", "os._exit"}]
    assert not wrong, "\n".join(wrong)


def test_only_the_write_stage_writes_the_output() -> None:
    """Renderers return content; files of the site are written by write/ (and the cache's by cache/)."""
    writers = set()
    for path in modules():
        text = path.read_text(encoding="utf-8")
        if any(call in text for call in ('open(target, "wb")', "os.replace(", "shutil.rmtree(")):
            writers.add(layer_of(path))
    assert writers <= {"write", "cache", "commands"}, writers


def test_every_module_says_what_it_owns() -> None:
    missing = [str(path) for path in modules()
               if path.name != "__init__.py" and not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))]
    assert not missing


def test_every_package_is_a_known_layer() -> None:
    assert {layer_of(path) for path in modules()} == set(MAY_IMPORT)
