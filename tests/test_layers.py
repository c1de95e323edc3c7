"""The core never imports Textual: the CLI, scripts and tests can use it without a terminal."""

from __future__ import annotations

import ast
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


def test_no_core_module_imports_textual() -> None:
    """One interpreter imports the core modules one at a time and names the first that brings
    Textual in (a process per module cost ~7 s of CPU for the same answer)."""
    code = (
        "import importlib, sys\n"
        f"for name in {CORE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "    if 'textual' in sys.modules:\n"
        "        print(name); break\n"
        "else:\n"
        "    print('none')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "none", f"{out.stdout.strip()} imports Textual"


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


def _writes(path: Path, allowed: str = "") -> list[str]:
    """Calls in a module that write a file other than through `reader.atomic` (outside the
    function named `allowed`)."""
    import ast

    tree = ast.parse(path.read_text())
    skip = {
        id(node)
        for func in ast.walk(tree)
        if isinstance(func, ast.FunctionDef) and func.name == allowed
        for node in ast.walk(func)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name in ("write_text", "write_bytes", "rename") or (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "os"
            and name in ("replace", "rename", "open")
        ):
            found.append(f"{name} at line {node.lineno}")
        elif name in ("open", "fdopen"):
            modes = [a for a in node.args[1:2] if isinstance(a, ast.Constant)]
            modes += [k.value for k in node.keywords if k.arg == "mode" and isinstance(k.value, ast.Constant)]
            if any(set(str(m.value)) & set("wax+") for m in modes):
                found.append(f"{name} for writing at line {node.lineno}")
    return found


def test_the_exporters_write_files_only_through_the_atomic_module() -> None:
    """Every file an export makes or replaces goes through `atomic_write_bytes`; only a device
    or a FIFO (`-o /dev/stdout`, a pipe) is written in place, where a rename cannot go."""
    assert _writes(PACKAGE / "atomic.py"), "the check sees the atomic module's own writes"
    assert _writes(PACKAGE / "exporters" / "__init__.py"), "and the in-place write for devices"
    for path in (PACKAGE / "exporters").rglob("*.py"):
        assert _writes(path, allowed="_write_in_place") == [], path


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


FETCH_MODULES = sorted(m for m in CORE_MODULES if m == "reader.fetch" or m.startswith("reader.fetch."))


def test_fetch_is_a_package_of_policy_and_sources() -> None:
    assert {
        "reader.fetch",
        "reader.fetch.http",
        "reader.fetch.hf",
        "reader.fetch.arxiv",
        "reader.fetch.announcements",
        "reader.fetch.fetcher",
    } <= set(FETCH_MODULES)


@pytest.mark.parametrize("path", sorted((PACKAGE / "fetch").rglob("*.py")), ids=lambda p: p.name)
def test_no_fetch_module_imports_the_library(path: Path) -> None:
    """Fetch returns papers; the caller imports them. Not even a lazy or type-only import."""
    assert not {m for m in _imports(path) if m == "reader.library" or m.startswith("reader.library.")}, path
    assert "import library" not in path.read_text(), path  # `from reader import library`


def test_importing_the_whole_fetch_package_loads_no_library() -> None:
    code = f"import sys, {', '.join(FETCH_MODULES)}; print('reader.library' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_list_command_names_every_sort_of_the_browse_model() -> None:
    from reader.browse import SORTS
    from reader.cli import SORT_NAMES

    assert set(SORT_NAMES) == {sort.name for sort in SORTS} | {"for-you"}


def test_a_command_that_changes_a_paper_imports_no_search_ranking_or_network() -> None:
    """`reader mark` starts fast at any library size: the CLI's module does not load the search
    package, the "for you" model (NumPy) or the HTTP client."""
    heavy = ("reader.search", "reader.foryou", "reader.browse", "numpy", "httpx", "textual")
    assert _loaded_after("import reader.cli\n", heavy) == []


def test_fitting_the_for_you_model_needs_numpy_alone() -> None:
    """The fit runs in the app's worker: scikit-learn (with SciPy) would cost the app ~125 MB and
    2-3 s of a thread holding the interpreter to import; NumPy is all it may load."""
    code = (
        "from reader import foryou\n"
        "from reader.models import Paper\n"
        "papers = [Paper(id=f'p{n}', title=('Reward models ' if n % 2 else 'Diffusion ') + str(n)) for n in range(8)]\n"
        "model = foryou.fit(papers, [n % 2 == 1 for n in range(8)], [[] for _ in papers], 'fp')\n"
        "assert foryou.Ranker(model).score(papers[1]) > foryou.Ranker(model).score(papers[0])\n"
    )
    assert _loaded_after(code, ("numpy", "scipy", "sklearn")) == ["numpy"]


def _loaded_after(code: str, modules: tuple[str, ...]) -> list[str]:
    """Which of `modules` a fresh interpreter has loaded after running `code`."""
    probe = f"{code}\nimport sys\nprint(','.join(m for m in {modules!r} if m in sys.modules))\n"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    return [name for name in done.stdout.strip().split(",") if name]


def test_every_worker_is_described_so_textual_does_not_repr_its_arguments() -> None:
    """Textual's `@work` without `description=` builds one from `repr()` of every argument, on the
    UI thread: the for-you worker is given a copy of every state, whose repr cost ~1.3 s per
    triage key at 100,000 papers."""
    bare = []
    for path in sorted((PACKAGE / "tui").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "work"
                and not any(keyword.arg == "description" for keyword in node.keywords)
            ):
                bare.append(f"{path.name}:{node.lineno}")
    assert not bare, f"@work without description= at {', '.join(bare)}"
