"""The scriptable command line: list, show, mark, note, tag, and its errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from reader.library import Library
from reader.models import Status, title_id
from tests.conftest import SEED, Cli, snapshot
from tests.test_import import seed_pairs

RECORD_FIELDS = {"id", "title", "authors", "abstract", "status", "notes", "tags", "days", "arxiv_id", "url"}


def load_seed(cli: Cli) -> list[str]:
    assert cli("import", str(SEED), "--date", "2025-07-31").exit_code == 0
    return [title_id(t) for t, _ in seed_pairs()]


def test_list_shows_every_paper_by_default(cli: Cli) -> None:
    ids = load_seed(cli)
    result = cli("list")
    lines = result.stdout.splitlines()
    assert len(lines) == 86
    assert lines[0].split()[0] == ids[0] and "inbox" in lines[0] and "2025-07-31" in lines[0]


def test_list_json_has_the_documented_fields(cli: Cli) -> None:
    ids = load_seed(cli)
    cli("mark", ids[1], "done")
    data = json.loads(cli("list", "--json").stdout)
    assert len(data) == 86
    assert set(data[0]) >= RECORD_FIELDS
    by_id = {r["id"]: r for r in data}
    assert by_id[ids[1]]["status"] == "done"
    assert by_id[ids[0]]["days"] == ["2025-07-31"]
    assert by_id[ids[0]]["title"] == seed_pairs()[0][0]


def test_list_filters_by_status_and_day(cli: Cli, tmp_path: Path) -> None:
    ids = load_seed(cli)
    cli("mark", ids[2], ids[3], "to-read")
    cli("mark", ids[4], "skip")
    assert [r["id"] for r in json.loads(cli("list", "--status", "to-read", "--json").stdout)] == ids[2:4]
    assert [r["id"] for r in json.loads(cli("list", "--status", "skipped", "--json").stdout)] == [ids[4]]
    assert len(json.loads(cli("list", "--status", "inbox", "--json").stdout)) == 83
    page = tmp_path / "aug.txt"
    page.write_text("Aug 1\n\nA Brand New Paper\n\n" + "An abstract sentence. " * 20, encoding="utf-8")
    cli("import", str(page), "--date", "2025-08-01")
    day = json.loads(cli("list", "--day", "2025-08-01", "--json").stdout)
    assert [r["title"] for r in day] == ["A Brand New Paper"]
    assert [r["title"] for r in json.loads(cli("list", "--day", "latest", "--json").stdout)] == ["A Brand New Paper"]
    assert len(json.loads(cli("list", "--day", "2025-07-31", "--json").stdout)) == 86


def test_list_on_empty_library_says_how_to_start(cli: Cli) -> None:
    result = cli("list")
    assert result.exit_code == 0 and "reader import" in result.stderr


def test_show_prints_metadata_abstract_and_notes(cli: Cli) -> None:
    ids = load_seed(cli)
    cli("note", ids[0], "line one\nline two")
    text = cli("show", ids[0]).stdout
    assert text.startswith(seed_pairs()[0][0] + "\n")
    assert seed_pairs()[0][1] in text and "line one\nline two" in text
    record = json.loads(cli("show", ids[0][:6], "--json").stdout)
    assert record["id"] == ids[0] and record["notes"] == "line one\nline two"


def test_mark_several_papers(cli: Cli, lib_path: Path) -> None:
    ids = load_seed(cli)
    result = cli("mark", ids[0], ids[1], "done")
    assert result.exit_code == 0 and result.stdout.strip() == "2 marked done"
    assert cli("mark", ids[0], "done").stdout.strip() == "0 marked done (1 already done)"
    with Library.open(lib_path, readonly=True) as lib:
        state = lib.state(ids[0])
        assert state.status is Status.DONE and state.finished_at and state.triaged_at


def test_note_set_print_and_stdin(cli: Cli) -> None:
    ids = load_seed(cli)
    assert cli("note", ids[0]).stdout == ""
    assert cli("note", ids[0], "first").stdout.strip() == "notes saved"
    assert cli("note", ids[0]).stdout == "first\n"
    assert cli("note", ids[0], "-", input="from **stdin**\n- a list\n").exit_code == 0
    assert cli("note", ids[0]).stdout == "from **stdin**\n- a list\n\n"
    assert cli("note", ids[0], "-", input=b"\xff\xfe").exit_code == 2


def test_tag_add_remove_and_print(cli: Cli) -> None:
    ids = load_seed(cli)
    assert cli("tag", ids[0], "+RL", "+to review", "+rl").stdout.strip() == "rl to-review"
    assert cli("tag", ids[0], "-rl").stdout.strip() == "to-review"
    assert cli("tag", ids[0]).stdout.strip() == "to-review"
    result = cli("tag", ids[0], "oops")
    assert result.exit_code == 2 and "start with + or -" in result.stderr


def test_errors_are_one_line_and_non_zero(cli: Cli) -> None:
    ids = load_seed(cli)
    for args, message in [
        (("show", "nope-nope"), "no paper with id 'nope-nope'"),
        (("mark", ids[0], "finished"), "unknown status 'finished'"),
        (("mark", "done"), "give one or more paper ids"),
        (("list", "--status", "weird"), "unknown status"),
        (("list", "--day", "yesterday"), "--day"),
    ]:
        result = cli(*args)
        assert result.exit_code != 0, args
        assert result.stderr.count("\n") == 1 and message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.output


def test_second_writer_is_refused_but_readers_work(cli: Cli, lib_path: Path) -> None:
    ids = load_seed(cli)
    with Library.open(lib_path) as holder:
        before = snapshot(lib_path)
        result = cli("mark", ids[0], "done")
        assert result.exit_code == 1
        assert "is open in another reader" in result.stderr and f"pid {os.getpid()}" in result.stderr
        assert cli("import", str(SEED)).exit_code == 1
        assert cli("list").exit_code == 0
        assert cli("show", ids[0]).exit_code == 0
        assert snapshot(lib_path) == before
        holder.set_status(ids[1], Status.DONE)
    assert cli("mark", ids[0], "done").exit_code == 0
    with Library.open(lib_path, readonly=True) as lib:
        assert lib.status(ids[0]) is Status.DONE and lib.status(ids[1]) is Status.DONE


def test_reader_db_environment_variable(tmp_path: Path, monkeypatch: object) -> None:
    from click.testing import CliRunner

    from reader.cli import cli as reader_cli

    folder = tmp_path / "from-env"
    runner = CliRunner(env={"READER_DB": str(folder)})
    assert runner.invoke(reader_cli, ["import", str(SEED)]).exit_code == 0
    assert (folder / "index.json").exists()


def test_default_location_is_the_user_data_folder(isolated_home: Path) -> None:
    from click.testing import CliRunner

    from reader.cli import cli as reader_cli

    assert CliRunner().invoke(reader_cli, ["import", str(SEED)]).exit_code == 0
    assert (isolated_home / ".local" / "share" / "reader" / "index.json").exists()


def test_every_command_has_help(cli: Cli) -> None:
    from reader.cli import cli as reader_cli

    for name in reader_cli.commands:
        result = cli(name, "--help")
        assert result.exit_code == 0 and "Usage:" in result.stdout, name


def test_every_command_is_in_the_readme() -> None:
    from reader.cli import cli as reader_cli

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for name in reader_cli.commands:
        assert f"reader {name}" in readme, name


def test_python_dash_m_reader_and_no_textual_for_scripted_commands(lib_path: Path, tmp_path: Path) -> None:
    """`python -m reader` works, and list/export/help never import Textual (fast start)."""
    env = {**os.environ, "READER_DB": str(lib_path), "HOME": str(tmp_path)}
    subprocess.run(
        [sys.executable, "-m", "reader", "import", str(SEED)], env=env, check=True, capture_output=True, timeout=60
    )
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['reader', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('reader', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "sys.stderr.write('TEXTUAL_LOADED' if 'textual' in sys.modules else 'TEXTUAL_ABSENT')\n"
    )
    for args in (["--help"], ["list"], ["list", "--json"], ["show", title_id(seed_pairs()[0][0])], ["export"]):
        run = subprocess.run([sys.executable, "-c", probe, *args], env=env, capture_output=True, text=True, timeout=60)
        assert run.stderr.endswith("TEXTUAL_ABSENT"), (args, run.stderr[-500:])
