"""The `headcat` command's contract: exact output lines and exit codes (0 success, 1 problems, 2 usage errors).

Runs the real pipeline on copies of the fixture catalog; mocks nothing headcat owns.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from headcat.commands.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
CATALOG = FIXTURES / "catalog"
CHECK_PASSED = "5 papers checked: no problems\n"


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Path:
    """A writable copy of the fixture catalog, to break one file of it."""
    root = tmp_path / "catalog"
    shutil.copytree(CATALOG, root)
    return root


def replace_line(path: Path, number: int, old: str, new: str) -> None:
    """Edit line `number` (1-based) of a file, checking that it holds what the test expects it to."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[number - 1], f"{path.name}:{number} no longer holds {old!r}; update this test"
    lines[number - 1] = lines[number - 1].replace(old, new)
    path.write_text("".join(lines), encoding="utf-8")


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    exit_code = main(argv)
    captured = capsys.readouterr()
    return exit_code, captured.out, captured.err


def run_usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """argparse ends a bad command line with SystemExit; the status is the contract."""
    with pytest.raises(SystemExit) as raised:
        main(argv)
    captured = capsys.readouterr()
    return raised.value.code, captured.out, captured.err


def test_check_on_the_fixture_catalog_prints_one_line_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(["check", str(CATALOG)], capsys) == (0, CHECK_PASSED, "")


def test_check_without_root_checks_the_current_directory(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(CATALOG)

    assert run_main(["check"], capsys) == (0, CHECK_PASSED, "")


def test_check_on_a_missing_directory_exits_2_and_says_what_root_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)

    exit_code, out, err = run_main(["check", "no-such-catalog"], capsys)

    assert (exit_code, out) == (2, "")
    assert err.splitlines() == [
        "headcat: error: no-such-catalog: not a directory (ROOT is a catalog folder holding papers/ and taxonomy.yaml)"
    ]


def test_unknown_command_exits_2_with_usage(capsys: pytest.CaptureFixture[str]) -> None:
    exit_code, out, err = run_usage_error(["frobnicate"], capsys)

    lines = err.splitlines()
    assert (exit_code, out) == (2, "")
    assert lines[0].startswith("usage: headcat ")
    assert lines[-1].startswith("headcat: error: argument COMMAND: invalid choice: 'frobnicate' (choose from ")


def test_missing_command_exits_2_with_usage(capsys: pytest.CaptureFixture[str]) -> None:
    exit_code, out, err = run_usage_error([], capsys)

    assert (exit_code, out) == (2, "")
    assert err.splitlines()[0].startswith("usage: headcat ")
    assert err.splitlines()[-1] == "headcat: error: the following arguments are required: COMMAND"


def test_unknown_option_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    exit_code, out, err = run_usage_error(["check", str(CATALOG), "--frobnicate"], capsys)

    assert (exit_code, out) == (2, "")
    assert err.splitlines()[-1] == "headcat: error: unrecognized arguments: --frobnicate"


def test_unknown_format_exits_2_and_lists_the_formats(capsys: pytest.CaptureFixture[str]) -> None:
    exit_code, out, err = run_usage_error(["check", str(CATALOG), "--format", "xml"], capsys)

    assert (exit_code, out) == (2, "")
    assert err.splitlines()[-1] == (
        "headcat check: error: argument --format: invalid choice: 'xml' (choose from 'text', 'github')"
    )


def test_github_format_prints_one_annotation_per_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(CATALOG / "taxonomy.yaml", tmp_path / "taxonomy.yaml")
    (tmp_path / "papers").mkdir()
    for case, name in [("unknown-keys", "misspelled-keys.yaml"), ("bad-file-name", "Bad_Name.yaml")]:
        shutil.copy(FIXTURES / "invalid" / case / "papers" / name, tmp_path / "papers" / name)
    monkeypatch.chdir(tmp_path)

    exit_code, out, err = run_main(["check", ".", "--format", "github"], capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [
        "::error file=papers/Bad_Name.yaml,line=1,col=1::the file name is the paper id and must be lowercase words "
        "joined by hyphens; rename it to bad-name.yaml",
        "::error file=papers/misspelled-keys.yaml,line=4,col=1::unknown key 'autors' (did you mean 'authors'?)",
        "::error file=papers/misspelled-keys.yaml,line=8,col=3::links: unknown key 'cod' (did you mean 'code'?)",
        "3 problems in 2 files",
    ]


def test_schema_prints_json_whose_heads_enum_holds_every_name_and_alias(capsys: pytest.CaptureFixture[str]) -> None:
    taxonomy = yaml.safe_load((CATALOG / "taxonomy.yaml").read_text(encoding="utf-8"))
    spellings = {spelling for head in taxonomy["heads"] for spelling in (head["name"], *head.get("aliases", []))}

    exit_code, out, err = run_main(["schema", str(CATALOG)], capsys)
    schema = json.loads(out)

    assert (exit_code, err) == (0, "")
    assert "Previous Head" in spellings
    assert set(schema["properties"]["heads"]["items"]["enum"]) == spellings
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False


def test_schema_describes_a_paper_file_for_editors(capsys: pytest.CaptureFixture[str]) -> None:
    exit_code, out, _err = run_main(["schema", str(CATALOG)], capsys)

    assert exit_code == 0
    assert json.loads(out)["description"] == (
        "One paper of the catalog: papers/<paper-id>.yaml. Generated by `headcat schema`."
    )


def run_module(arguments: list[str], cwd: Path, **options: object) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "headcat", *arguments], cwd=cwd, env=environment, text=True, timeout=60, **options
    )


def test_python_m_headcat_check_passes_on_the_fixture_catalog() -> None:
    result = run_module(["check"], cwd=CATALOG, capture_output=True)

    assert (result.returncode, result.stdout, result.stderr) == (0, CHECK_PASSED, "")


def test_python_m_headcat_check_exits_1_with_the_problem_lines(tmp_path: Path) -> None:
    shutil.copy(CATALOG / "taxonomy.yaml", tmp_path / "taxonomy.yaml")
    shutil.copytree(FIXTURES / "invalid/unknown-head-type/papers", tmp_path / "papers")

    result = run_module(["check", "."], cwd=tmp_path, capture_output=True)

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        "papers/misspelled-head.yaml:4:25: error: heads[1]: unknown head type 'Retreival Head' "
        "(did you mean 'Retrieval Head'?)",
        "1 problem in 1 file",
    ]


def test_schema_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`headcat schema | head -1` must not report an internal error when the reader stops early."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = run_module(["schema", str(CATALOG)], cwd=tmp_path, stdout=write_end, stderr=subprocess.PIPE)
    finally:
        os.close(write_end)

    assert result.stderr == ""


def test_broken_taxonomy_is_a_located_problem_and_exits_1(
    catalog_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    replace_line(catalog_copy / "taxonomy.yaml", 60, "description:", "descripton:")

    exit_code, out, err = run_main(["check", str(catalog_copy)], capsys)

    taxonomy = catalog_copy / "taxonomy.yaml"
    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [  # the misspelled key is one problem, not also a "missing 'description'"
        f"{taxonomy}:60:5: error: heads[5]: unknown key 'descripton' (did you mean 'description'?)",
        "1 problem in 1 file",
    ]


def test_taxonomy_head_with_an_unknown_stage_names_the_stage_it_found(
    catalog_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    replace_line(catalog_copy / "taxonomy.yaml", 52, "stage: LR", "stage: XR")

    exit_code, out, err = run_main(["check", str(catalog_copy)], capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [
        f"{catalog_copy / 'taxonomy.yaml'}:52:12: error: heads[4].stage: unknown stage 'XR'; "
        "use one of KR, ICI, LR, EP (or placement: unplaced)",
        "1 problem in 1 file",
    ]


def test_head_types_and_sub_categories_whose_pages_would_share_an_address_are_located_problems(
    catalog_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    replace_line(catalog_copy / "taxonomy.yaml", 56, "Amplification Head", "Induction-Head")
    replace_line(catalog_copy / "taxonomy.yaml", 27, "Signal Amplification", "General tasks")
    replace_line(catalog_copy / "taxonomy.yaml", 58, "Signal Amplification", "General tasks")
    replace_line(catalog_copy / "taxonomy.yaml", 61, "Active-Dormant Head", "'***'")

    exit_code, out, err = run_main(["check", str(catalog_copy)], capsys)

    taxonomy = catalog_copy / "taxonomy.yaml"
    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [
        f"{taxonomy}:27:15: error: stages[3].subcategories[0].name: 'General tasks' would share its page and filter "
        "value ('general-tasks') with stages[0].subcategories[0].name 'General Tasks'; make the sub-category names "
        "differ in their letters or digits",
        f"{taxonomy}:56:11: error: heads[5].name: 'Induction-Head' would share its page and filter value "
        "('induction-head') with heads[4].name 'Induction Head'; make the head type names differ in their letters or "
        "digits",
        f"{taxonomy}:61:11: error: heads[6].name: '***' has no letter or digit to name its page by; write a name with "
        "letters or digits",
        "3 problems in 1 file",
    ]


@pytest.mark.parametrize(("setting", "message"), [
    ('language = "../x"', "language: '../x' is not a language tag; write one such as en, de or pt-BR"),
    ('title = "Heads\\u001b[2J"', "title: holds the character U+001B, which no page or feed can carry; delete it "
                                  "(it may be written as an escape, such as \\u001B)"),
], ids=["a language that is not a tag", "a control character in the title"])
def test_settings_a_page_or_feed_cannot_carry_are_located_problems(
    catalog_copy: Path, capsys: pytest.CaptureFixture[str], setting: str, message: str
) -> None:
    pyproject = catalog_copy / "pyproject.toml"
    lines = pyproject.read_text(encoding="utf-8").splitlines()
    at = lines.index("[tool.headcat]") + 1  # in the table itself, before the tables inside it
    end = next((index for index in range(at, len(lines)) if lines[index].startswith("[")), len(lines))
    lines = [line for index, line in enumerate(lines)
             if not (at <= index < end and line.split(" =")[0] == setting.split(" =")[0])]
    pyproject.write_text("\n".join([*lines[:at], setting, *lines[at:]]) + "\n", encoding="utf-8")

    exit_code, out, err = run_main(["check", str(catalog_copy)], capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [f"{pyproject}:{at + 1}:1: error: [tool.headcat] {message}",
                                "1 problem in 1 file"]


def test_unknown_key_in_tool_headcat_is_reported_at_its_line_and_exits_1(
    catalog_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    replace_line(catalog_copy / "pyproject.toml", 2, "title =", "titel =")

    exit_code, out, err = run_main(["check", str(catalog_copy)], capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [
        f"{catalog_copy / 'pyproject.toml'}:2:1: error: [tool.headcat] unknown key 'titel' (did you mean 'title'?)",
        "1 problem in 1 file",
    ]


def test_bad_value_in_tool_headcat_is_reported_at_its_line_and_exits_1(
    catalog_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    replace_line(catalog_copy / "pyproject.toml", 4, "https://", "ftp://")

    exit_code, out, err = run_main(["check", str(catalog_copy)], capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [
        f"{catalog_copy / 'pyproject.toml'}:4:1: error: [tool.headcat] base_url: 'ftp://example.org/heads/' is not "
        "a web address; links must start with https:// or http://",
        "1 problem in 1 file",
    ]


def test_config_and_taxonomy_problems_are_reported_together(
    catalog_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    replace_line(catalog_copy / "pyproject.toml", 2, "title =", "titel =")
    replace_line(catalog_copy / "taxonomy.yaml", 60, "description:", "descripton:")

    exit_code, _out, err = run_main(["check", str(catalog_copy)], capsys)

    assert exit_code == 1
    assert err.splitlines()[-1] == "2 problems in 2 files"


def test_build_timings_print_each_stage_with_its_seconds(catalog_copy: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(Path(__file__).resolve().parents[1] / "templates", catalog_copy / "templates")
    exit_code, out, err = run_main(["build", str(catalog_copy), "--no-search", "--timings"], capsys)
    assert exit_code == 0 and out.startswith("built 5 papers")
    stages = [line.split(" s  ", 1)[1] for line in err.splitlines()]
    assert {"load papers", "build the catalog", "write the paper store (in a child process)",
            "write the build cache"} <= set(stages)
    assert any(stage.startswith("key ") and stage.endswith(" outputs, render and write those that changed")
               for stage in stages)
    assert all(float(line.split(" s  ")[0]) >= 0 for line in err.splitlines())


def test_a_relation_to_an_unknown_head_type_and_a_placement_without_its_reason_are_located_problems(
    catalog_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taxonomy = catalog_copy / "taxonomy.yaml"
    replace_line(taxonomy, 69, "head: Previous Head", "head: Previos Head")
    replace_line(taxonomy, 62, "placement: unplaced", "placement: catalog")
    replace_line(taxonomy, 63, "placement_note: An on/off behaviour, not a stage.", "stage: EP")
    replace_line(taxonomy, 61, "name: Active-Dormant Head",
                 "name: Active-Dormant Head\n    subcategory: Signal Amplification")

    exit_code, out, err = run_main(["check", str(catalog_copy)], capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [
        f"{taxonomy}:63:16: error: heads[6]: 'Active-Dormant Head' is placed by this catalog (placement: catalog), so "
        "it needs a placement_note saying why",
        f"{taxonomy}:70:15: error: heads[6].relations[0].head: 'Previos Head' is not a head type of this file (did "
        "you mean 'Previous Head'?); name one of the head types under heads:",
        "2 problems in 1 file",
    ]


def test_model_and_method_vocabulary_mistakes_are_located_problems(
    catalog_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taxonomy = catalog_copy / "taxonomy.yaml"
    replace_line(taxonomy, 83, "GPT-2 small", "Llama 2 7B")
    replace_line(taxonomy, 98, "source_note: Not in the survey's tables.", "")

    exit_code, out, err = run_main(["check", str(catalog_copy)], capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [
        f"{taxonomy}:83:19: error: models[1].models[0].aliases[0]: 'Llama 2 7B' already names model 'Llama-2-7B'; "
        "each spelling names one model",
        f"{taxonomy}:94:13: error: methods[0].types[0].methods[1]: 'Path Patching' is added by this catalog "
        "(source: catalog), so it needs a source_note saying why",
        "2 problems in 1 file",
    ]


def test_a_paper_naming_a_model_or_method_outside_the_vocabulary_is_told_the_closest(
    catalog_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paper = catalog_copy / "papers" / "retrieval-heads-long-context.yaml"
    text = paper.read_text(encoding="utf-8")
    paper.write_text(text.replace("models: [Llama-2-7B]", "models: [Llama-2-7b, Lama-2-7B]")
                     .replace("methods: [Mean Ablation]", "methods: [Mean Ablation, Banana Patching]"),
                     encoding="utf-8")

    exit_code, out, err = run_main(["check", str(catalog_copy)], capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [
        f"{paper}:8:22: error: models[1]: unknown model 'Lama-2-7B' (did you mean 'Llama-2-7B'?)",
        f"{paper}:9:26: error: methods[1]: unknown method 'Banana Patching'; add it to the methods of taxonomy.yaml "
        "if it is a new method",
        "2 problems in 1 file",
    ]


def test_the_published_address_and_repository_come_from_options_or_the_environment(
    catalog_copy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEADCAT_REPOSITORY", "https://github.com/someone/papers")
    out_dir = catalog_copy.parent / "out"
    exit_code, _, _ = run_main(["build", str(catalog_copy), "--out", str(out_dir), "--no-search",
                                "--base-url", "https://papers.example.net/list"], capsys)
    assert exit_code == 0
    page = (out_dir / "papers" / "induction-heads-patterns" / "index.html").read_text(encoding="utf-8")
    assert '<link rel="canonical" href="https://papers.example.net/list/papers/induction-heads-patterns/">' in page
    assert 'href="https://github.com/someone/papers/edit/main/papers/induction-heads-patterns.yaml"' in page

    monkeypatch.setenv("HEADCAT_BASE_URL", "ftp://papers.example.net/")
    exit_code, out, err = run_main(["build", str(catalog_copy), "--out", str(out_dir), "--no-search",
                                    "--repository", "github.com/someone/papers"], capsys)
    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [
        "--base-url (or HEADCAT_BASE_URL): error: 'ftp://papers.example.net/': 'ftp://papers.example.net/' is not a "
        "web address; links must start with https:// or http://",
        "--repository (or HEADCAT_REPOSITORY): error: 'github.com/someone/papers': 'github.com/someone/papers' is "
        "not a web address; links must start with https:// or http://",
        f"2 problems in 2 files; nothing was written, {out_dir} is as it was",
    ]


def test_a_new_head_type_added_as_contributing_says_needs_one_command_and_check_names_it(
    catalog_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Adding to the vocabulary makes the editor schema stale: check says so, with the command that fixes it, and
    after `headcat readme` (the one command CONTRIBUTING.md names) everything passes."""
    schema = catalog_copy / "schema" / "paper.schema.json"
    schema.parent.mkdir()
    schema.write_text("{}\n", encoding="utf-8")
    (catalog_copy / "README.md").write_text("# Papers\n\n<!-- headcat:start -->\n<!-- headcat:end -->\n",
                                            encoding="utf-8")
    assert run_main(["readme", str(catalog_copy)], capsys)[0] == 0
    assert run_main(["check", str(catalog_copy)], capsys)[0] == 0
    taxonomy = catalog_copy / "taxonomy.yaml"
    text = taxonomy.read_text(encoding="utf-8")
    taxonomy.write_text(text.replace("models:\n", "  - name: Counting Head\n    placement: unplaced\n"
                                                  "    description: Counts.\nmodels:\n", 1), encoding="utf-8")

    exit_code, out, err = run_main(["check", str(catalog_copy)], capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [
        f"{schema}:1:1: error: the editor schema is out of date with taxonomy.yaml and the paper model; run "
        "`headcat readme` to regenerate it",
        "1 problem in 1 file",
    ]
    exit_code, out, _ = run_main(["readme", str(catalog_copy)], capsys)
    assert exit_code == 0 and f"{schema}: the editor schema was regenerated" in out
    assert '"Counting Head"' in schema.read_text(encoding="utf-8")
    assert run_main(["check", str(catalog_copy)], capsys)[0] == 0
