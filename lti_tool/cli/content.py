"""`skillcert content …`: checking, listing, auditing and exporting track content (only
`case-export` builds the app, for its settings: content folder and public URL)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from assessments import audit, case, loader
from assessments.catalog import TRACKS_DIR, find_track, list_tracks
from assessments.lab_audit import DEFAULT_SEEDS, SandboxDown
from lti_tool.cli.common import build_app, fail
from lti_tool.settings import Settings

content_cli = click.Group("content", help="Track content (assessments/tracks).")


@content_cli.command("validate")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def content_validate(path: Path | None) -> None:
    """Check a track folder (or a folder of tracks); list every problem as file:line: message.

    Warnings (such as a module past its review date) are listed too, but do not fail.
    """
    result = loader.validate_path(path or TRACKS_DIR)
    warnings = [*result.warnings, *audit.bias_warnings(result)]
    for problem in [*result.problems, *warnings]:
        click.echo(str(problem))
    if result.problems:
        raise click.ClickException(f"{len(result.problems)} problem(s) found; nothing was loaded.")
    warned = f", with {len(warnings)} warning(s)" if warnings else ""
    click.echo(f"Content is valid{warned}.")


@content_cli.command("list")
@click.argument("path", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def content_list(path: Path | None, as_json: bool) -> None:
    """List the tracks (in PATH, default the installed ones) with their counts and balance."""
    result = loader.load_tracks(path or TRACKS_DIR)
    for problem in [*result.problems, *result.warnings]:
        click.echo(str(problem), err=True)
    rows = loader.summarise(result.tracks)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        counts = ", ".join(f"{k} {v}" for k, v in row.items() if isinstance(v, int))
        extends = f", extends {row['extends']}" if row["extends"] else ""
        click.echo(
            f"{row['id']} {row['version']}: {row['title']} ({counts}; "
            f"about {row['estimated_hours']:g} hours; "
            f"practical share {row['practical_share']:.0%}{extends})"
        )


@content_cli.command("coverage")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def content_coverage(path: Path | None) -> None:
    """Print, per track, which activity kinds assess each competency (Markdown, as in
    docs/tracks.md)."""
    result = loader.load_tracks(path or TRACKS_DIR)
    if result.problems:
        fail(f"{len(result.problems)} content problem(s); run `skillcert content validate`.")
    for track in result.tracks:
        click.echo(f"### {track.title} (`{track.id}`)\n\n{loader.coverage_markdown(track)}\n")


@content_cli.command("audit")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output: one object.")
@click.option(
    "--seeds",
    type=click.IntRange(min=1),
    default=DEFAULT_SEEDS,
    show_default=True,
    help="Seeds each submission of a parameterised lab is graded on.",
)
@click.option("--no-labs", is_flag=True, help="Skip grading lab mutants and wrong solutions.")
@click.option(
    "--responses",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Exported attempt data (CSV: learner,item,score,max_score) for item flags.",
)
def content_audit(
    path: Path | None, as_json: bool, seeds: int, no_labs: bool, responses: Path | None
) -> None:
    """Measure how well the tracks (in PATH, default the installed ones) tell people who can
    do the work from people who cannot: test-wise bias of choices, lab mutation kill rates
    and wrong solutions caught, summative rules, and (with --responses) item flags.

    Exits non-zero when content has problems; otherwise the audit only reports.
    """
    result = loader.validate_path(path or TRACKS_DIR)
    for problem in result.problems:
        click.echo(str(problem), err=True)
    audits = _audit(result, responses, labs=not no_labs, seeds=seeds)
    if as_json:
        click.echo(json.dumps(audit.as_json(audits), indent=2))
    else:
        for line in audit.report_lines(audits):
            click.echo(line)
    lab_problems = sum(len(lab.problems) for a in audits for lab in a.labs or ())
    if result.problems or lab_problems:
        fail(
            f"{len(result.problems)} content problem(s) (tracks not audited) and "
            f"{lab_problems} lab problem(s) found."
        )


def _audit(
    result: loader.LoadResult, responses: Path | None, *, labs: bool, seeds: int
) -> list[audit.TrackAudit]:
    """The audit of each loaded track, its progress reported on stderr."""
    try:
        analysis = audit.read_responses(responses, result.tracks) if responses else None
        return audit.audit_tracks(
            result.tracks,
            labs=labs,
            seeds=seeds,
            responses=analysis,
            progress=lambda message: click.echo(message, err=True),
        )
    except audit.ResponsesError as exc:
        fail("The responses cannot be used:\n" + "\n".join(exc.problems))
    except SandboxDown as exc:
        fail(f"Labs cannot be graded on this machine ({exc}); run `skillcert labs status`.")


@content_cli.command("case-export")
@click.option("--track", "track_id", required=True, help="The id of the track to export.")
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False, writable=True),
    help="The file to write (default: standard output).",
)
def content_case_export(track_id: str, output: Path | None) -> None:
    """Write a track's competency framework as a CASE 1.1 package (JSON), as the tool serves
    it at /ims/case/v1p1/CFPackages/<id>: the app's content folder, its base_url in the uris."""
    settings: Settings = build_app().config["SETTINGS"]
    tracks = list_tracks(settings.tracks_dir)
    track = find_track(tracks, track_id)
    if track is None:
        known = ", ".join(sorted(t.id for t in tracks))
        fail(f"There is no track {track_id!r}. The tracks are: {known}.")
    text = json.dumps(case.package(track, settings.base_url, tracks), indent=2, sort_keys=True)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"Wrote the CASE package of {track.id} to {output}.", err=True)
