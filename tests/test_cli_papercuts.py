"""The command line as a person reads it (issue 25): help text, output names, refused suffixes,
messages that say a problem once in the user's own words."""

from __future__ import annotations

import argparse
import sys
import tomllib
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from cos_snapshot._shared import files
from cos_snapshot._shared.extras import EXTRAS, install_command
from cos_snapshot.cli import build_parser, main
from cos_snapshot.tools.batch import (
    DEFAULT_TEMPLATE,
    BatchInputError,
    ItemDefaults,
    NameTemplate,
    items_from_arguments,
)


def names(template: str, key: str, times: list[str], **defaults: object) -> list[str]:
    rendered = NameTemplate(template)
    items = items_from_arguments([key], times, ItemDefaults(**defaults))  # type: ignore[arg-type]
    return [str(rendered.render(item)) for item in items]


# -- output names --------------------------------------------------------------------------


def test_format_specs_work_on_every_numeric_field() -> None:
    assert names("{key_stem}_{time:08.3f}.jpg", "v/intro.mp4", ["1.5", "0.0000001"]) == [
        "intro_0001.500.jpg",
        "intro_0000.000.jpg",
    ]
    assert names("{index:04d}-{width:05d}x{height}.jpg", "a.mp4", ["1"], width=320) == [
        "0000-00320x0.jpg"
    ]


def test_plain_time_is_its_shortest_exact_decimal_never_an_exponent() -> None:
    assert names("{time}.jpg", "a.mp4", ["1.50", "10", "1e-7"]) == [
        "1.5.jpg",
        "10.jpg",
        "0.0000001.jpg",
    ]


def test_a_spec_the_time_cannot_take_is_refused_saying_it_is_a_decimal() -> None:
    with pytest.raises(BatchInputError) as raised:
        NameTemplate("{time:d}.jpg")
    assert str(raised.value) == (
        "--name-template '{time:d}.jpg': {time} is a decimal, which 'd' does not format "
        "(e.g. {time:08.3f})"
    )


def test_key_noext_is_the_whole_key_without_its_suffix() -> None:
    assert names("{key_noext}/{time}.{format}", "videos/a.mp4", ["1"]) == ["videos/a/1.jpg"]
    assert names("{key_noext}.jpg", "videos/a.b.mp4", ["1"]) == ["videos/a.b.jpg"]
    assert names("{key_noext}.jpg", "videos/plain", ["1"]) == ["videos/plain.jpg"]


def test_default_names_sort_in_time_order_with_no_more_than_three_decimals() -> None:
    times = ["0", "0.5", "2", "2.5", "10", "10.25", "0.166667", "3600"]
    rendered = names(DEFAULT_TEMPLATE, "videos/intro.mp4", times)
    by_time = [n for _, n in sorted(zip((Decimal(t) for t in times), rendered, strict=True))]
    assert sorted(rendered) == by_time
    assert "intro_00000.167.jpg" in rendered  # a third of half a second: a millisecond will do
    assert rendered[0] == "intro_00000.000.jpg"


def test_a_default_name_is_the_same_on_every_run(tmp_path: Path) -> None:
    # A re-run skips what the last one made only if it names it the same.
    assert names(DEFAULT_TEMPLATE, "a.mp4", ["7.25"]) == names(DEFAULT_TEMPLATE, "a.mp4", ["7.25"])
    assert names(DEFAULT_TEMPLATE, "a.mp4", ["7.25"]) == ["a_00007.250.jpg"]


def test_a_bad_template_is_refused_without_values_the_user_did_not_give() -> None:
    with pytest.raises(BatchInputError) as raised:
        NameTemplate("{key_stem:d}.jpg")
    assert "intro" not in str(raised.value)
    assert "1.5" not in str(raised.value)


# -- help ----------------------------------------------------------------------------------


def _commands() -> list[tuple[str, argparse.ArgumentParser]]:
    return _commands_of(build_parser())


def _commands_of(
    parser: argparse.ArgumentParser, command: str = "cos-snapshot"
) -> list[tuple[str, argparse.ArgumentParser]]:
    """Every command and subcommand, however deep (``cos-snapshot job snapshot``)."""
    found = [(command, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _commands_of(sub, f"{command} {name}")
    return found


def test_the_walk_reaches_nested_subcommands() -> None:
    assert "cos-snapshot job snapshot" in dict(_commands())


@pytest.mark.parametrize(
    ("command", "parser"),
    _commands(),
    ids=lambda v: (
        v.removeprefix("cos-snapshot").strip().replace(" ", "-") or "main"
        if isinstance(v, str)
        else None
    ),
)
def test_every_option_has_help_text_and_says_its_default(
    command: str, parser: argparse.ArgumentParser
) -> None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
            continue
        name = "/".join(action.option_strings) or action.dest
        assert action.help, f"{command} {name} has no help text"
        defaulted = action.default not in (None, False, argparse.SUPPRESS) and action.nargs != 0
        if defaulted and action.option_strings:
            assert "default" in action.help.lower(), f"{command} {name} hides its default"
    parser.format_help()  # every %(default)s and %% in the help renders


def test_batch_help_leads_with_the_common_uses_and_is_short(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "100")  # argparse wraps to the terminal's width
    (batch,) = [p for c, p in _commands() if c == "cos-snapshot batch"]
    text = batch.format_help()
    assert len(text.splitlines()) <= 80
    epilog = batch.epilog or ""
    assert epilog.lstrip().startswith("examples:")
    assert "below" not in epilog  # the epilog comes after the options
    assert "docs/batch.md" in epilog


def test_the_docs_reference_shows_help_as_help_does() -> None:
    docs = Path(__file__).parents[1] / "docs"
    sys.path.insert(0, str(docs))
    try:
        import _cli_parser  # noqa: PLC0415 - the docs' own module
    finally:
        sys.path.remove(str(docs))
    parser = _cli_parser.parser()
    helps = [
        action.help or ""
        for _, sub in _commands_of(parser)
        for action in sub._actions
        if action.help is not argparse.SUPPRESS
    ]
    assert not [h for h in helps if "%(" in h or "%%" in h]
    assert any("(default: exactframe)" in h for h in helps)


# -- outputs -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["x.gif", "x.WEBP", "x.tiff"])
def test_get_refuses_a_name_that_promises_another_format(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / name
    argv = ["get", "a.mp4", "-t", "1", "-o", str(output)]
    code = main([*argv, "--endpoint-url", "http://127.0.0.1:9", "--anonymous"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"cos-snapshot: error: -o {output} is a ")
    assert "name it .jpg or .png" in err
    assert not output.exists()


def test_a_batch_name_that_promises_another_format_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["batch", "a.mp4", "-t", "1", "-o", str(tmp_path), "--name-template", "{index}.gif"]
    code = main([*argv, "--endpoint-url", "http://127.0.0.1:9", "--anonymous"])
    assert code == 2
    assert "0.gif is a gif name for a jpg image" in capsys.readouterr().err


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
@pytest.mark.parametrize("write", ["write_whole", "replacing"])
def test_a_write_that_fails_names_the_path_given_not_a_temporary(write: str) -> None:
    # /proc takes no new files: the temporary beside the target is what fails to open.
    target = Path("/proc/x.jpg")

    def by_replacing() -> None:
        with files.replacing(target) as temporary:
            temporary.write_bytes(b"image")

    with pytest.raises(OSError) as raised:
        files.write_whole(target, b"image") if write == "write_whole" else by_replacing()
    assert str(target) in str(raised.value)
    assert ".partial" not in str(raised.value)


# -- extras --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "environ", "command"),
    [
        ("/home/u/.local/share/pipx/venvs/cos-snapshot", {}, "pipx install --force"),
        ("/home/u/.local/pipx/venvs/cos-snapshot", {}, "pipx install --force"),
        ("/home/u/.local/share/uv/tools/cos-snapshot", {}, "uv tool install --force"),
        ("/srv/app/.venv", {"UV": "/usr/bin/uv"}, "uv pip install"),
        ("/srv/app/.venv", {}, "pip install"),
    ],
)
def test_a_missing_extra_is_installed_with_the_installer_in_use(
    prefix: str, environ: dict[str, str], command: str
) -> None:
    assert install_command("emulator", prefix=prefix, environ=environ) == (
        f"{command} 'cos-snapshot[emulator]'"
    )


def test_a_venv_uv_made_is_told_uv_pip(tmp_path: Path) -> None:
    (tmp_path / "pyvenv.cfg").write_text("home = /usr/bin\nuv = 0.5.0\n")
    assert install_command("cli", prefix=str(tmp_path), environ={}).startswith("uv pip install")


def test_the_all_extra_is_every_extra_a_command_uses() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    extras = pyproject["project"]["optional-dependencies"]
    (everything,) = extras["all"]
    named = set(everything.partition("[")[2].rstrip("]").split(","))
    assert set(EXTRAS) <= named  # every extra a command asks for (contract included)


# -- messages and progress -----------------------------------------------------------------


def test_the_bar_after_ctrl_c_counts_what_finished_not_what_was_listed_as_not_run() -> None:
    pytest.importorskip("rich")
    from cos_snapshot.cli._progress import RichProgress  # noqa: PLC0415

    progress = RichProgress(10, clock=lambda: 0.0)
    with progress:
        for status in ("done", "done", "skipped", "not_run", "not_run"):
            progress.update(SimpleNamespace(status=status))  # type: ignore[arg-type]
    (task,) = progress._progress.tasks
    assert task.completed == 3


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (
            ["batch", "a.mp4", "--times=150%"],
            "--times: '150%': a share of the video must be from 0% to below 100%",
        ),
        (
            ["sheet", "a.mp4", "--times=abc"],
            "--times: 'abc' is not a time: give seconds (1.5), a share of the video (50%), end\n",
        ),
        (["batch", "a.mp4", "--times=-1"], "--times: must be >= 0, got '-1'"),
        (
            ["get", "a.mp4", "--time=abc"],
            "--time: 'abc' is not a time: give seconds (1.5), a share of the video (50%), end, "
            "or auto",
        ),
        (["presign", "a.mp4", "-t", "1", "--width", "9999"], "--width: "),
    ],
)
def test_a_message_says_the_problem_once_in_the_users_words(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "--endpoint-url", "http://127.0.0.1:9", "--anonymous"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"cos-snapshot: error: {said}")
    value = argv[-1].partition("=")[2] or argv[-1]
    assert err.count(value) == 1, err
