"""The core never imports Textual: the CLI, scripts and tests can use it without a terminal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "reader"
CORE_MODULES = sorted(
    "reader." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
    for p in PACKAGE.rglob("*.py")
    if "tui" not in p.parts and p.name != "__main__.py"
)


def test_core_modules_are_found() -> None:
    assert {
        "reader.models",
        "reader.store",
        "reader.library",
        "reader.browse",
        "reader.atomic",
        "reader.importers.hf_page",
        "reader.cli",
    } <= set(CORE_MODULES)


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_does_not_import_textual(module: str) -> None:
    code = f"import sys, {module}; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "False"


def _imports(path: Path) -> set[str]:
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_exporters_write_through_the_atomic_module_not_the_store() -> None:
    # no sideways dependency: the store and the exporters share reader.atomic
    for path in (PACKAGE / "exporters").rglob("*.py"):
        assert "reader.store" not in _imports(path), path
    assert "reader.atomic" in _imports(PACKAGE / "exporters" / "__init__.py")
    assert "reader.atomic" in _imports(PACKAGE / "store.py")


def test_browse_model_imports_no_textual_even_indirectly() -> None:
    code = "import sys, reader.browse; print(sorted(m for m in sys.modules if m.startswith('textual')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_every_search_module_is_checked() -> None:
    """The search package's modules are core modules: each is imported above without Textual."""
    search = {"reader.search." + p.stem for p in (PACKAGE / "search").glob("*.py") if p.stem != "__init__"}
    assert {"reader.search.query", "reader.search.fold", "reader.search.index", "reader.search.typo"} <= search
    assert {"reader.search.highlight", "reader.search.result"} <= search
    assert {"reader.search", *search} <= set(CORE_MODULES)
