"""Translations of questions, scenarios and rubrics (``assessments.translation``): the texts
change, the grade never does, and a translation naming what the original lacks is refused."""

from __future__ import annotations

import itertools
from pathlib import Path

from assessments.items.free_response import FileAnswer
from assessments.loader import load_track
from assessments.model import Activity, AnswerError, Item, Track
from assessments.scenarios import Scenario
from tests.assessments.conftest import plant

BASICS = "modules/basics/module.yaml"
ETHICS = "modules/ethics/module.yaml"
PRACTICE = "modules/practice/module.yaml"
CAPSTONE = "modules/capstone/module.yaml"


def answers_to(item: Item) -> list[object]:
    """Right, partly right and wrong answers of every shape the item takes."""
    d = item.definition
    match item.type:
        case "single_choice":
            return [o.id for o in d.options]
        case "multiple_choice":
            ids = [o.id for o in d.options]
            return [list(c) for n in range(len(ids) + 1) for c in itertools.combinations(ids, n)]
        case "numeric":
            return [d.answer, d.answer + d.tolerance + 1, "90", "1,000"]
        case "short_text":
            return ["data drift", "Covariate shift", "drift", "deriva", "system", "nada"]
        case "ordering":
            return [list(p) for p in itertools.permutations(e.id for e in d.entries)]
        case "matching":
            responses = [r.id for r in d.responses]
            return [
                dict(zip((p.id for p in d.prompts), chosen, strict=True))
                for chosen in itertools.permutations(responses, len(d.prompts))
            ]
        case "trace_review":
            segments = list(d.segments)
            return [
                {"segments": list(marked), "control": control.id, "identifiers": [named.id]}
                for marked in itertools.combinations(segments, 1)
                for control in d.controls
                for named in d.identifiers
            ]
        case "free_response":
            return ["Porque los datos no vistos muestran si generaliza.", FileAnswer("a.pdf", b"%")]
    raise AssertionError(item.type)


def graded(item: Item, answer: object) -> tuple[object, ...]:
    """What decides the grade: score, status, which parts were right (or why it is refused)."""
    try:
        result = item.score(answer)
    except AnswerError as exc:
        return ("refused", exc.problem)
    return (
        result.score,
        result.max_score,
        result.status,
        [(f.key, f.correct) for f in result.feedback],
    )


def paths(scenario: Scenario, node: str = "", taken: tuple[str, ...] = ()) -> list[tuple]:
    """Every path through the scenario as (node, choice) steps."""
    here = scenario.nodes[node or scenario.start_node]
    if here.is_end:
        return [taken]
    return [p for c in here.choices for p in paths(scenario, c.next, (*taken, (here.id, c.id)))]


def play(scenario: Scenario, steps: tuple) -> tuple[object, ...]:
    run = scenario.start()
    for node, choice in steps:
        justification = "Porque" if scenario.nodes[node].justification else None
        run = scenario.choose(run, node, choice, justification)
    r = scenario.result(run)
    return (r.path, r.score, r.max_score, r.status, r.critical_failed, r.justifications)


def rubric_shape(rubric) -> list[tuple]:
    return [
        (c.id, c.critical, c.exemplars, [(lv.id, lv.points) for lv in c.levels])
        for c in rubric.criteria
    ]


def same_grading(english: Activity, spanish: Activity) -> None:
    assert (spanish.id, spanish.kind, spanish.version, spanish.policy, spanish.pool) == (
        english.id,
        english.kind,
        english.version,
        english.policy,
        english.pool,
    )
    for en, es in zip(english.items, spanish.items, strict=True):
        assert (es.id, es.points, es.critical, es.competencies) == (
            en.id,
            en.points,
            en.critical,
            en.competencies,
        )
        for answer in answers_to(en):
            assert graded(es, answer) == graded(en, answer), (en.id, answer)
    if english.scenario is not None:
        assert spanish.scenario.expert_path == english.scenario.expert_path
        for steps in paths(english.scenario):
            assert play(spanish.scenario, steps) == play(english.scenario, steps)
    if english.rubric is not None:
        assert rubric_shape(spanish.rubric) == rubric_shape(english.rubric)


def test_a_translation_changes_texts_and_never_a_grade(sample_track: Track) -> None:
    spanish = sample_track.translated("es")
    for english in sample_track.activities():
        same_grading(english, spanish.activity(english.id))

    quiz = {i.id: i for i in spanish.activity("basics-quiz").items}
    assert quiz["q-temperature"].stem_html.startswith("<p>¿Qué <strong>temperatura</strong>")
    holdout, crossval, vibes = quiz["q-eval-methods"].definition.options
    assert holdout.html == "Un conjunto de prueba reservado"
    assert (crossval.html, crossval.rationale_html) == (
        "Validación cruzada",  # a text it translates
        # and one it leaves, marked as English for Spanish pages (WCAG 3.1.2)
        '<span lang="en">Rotating the held-out part uses small data sets well.</span>',
    )
    assert vibes.html == '<span lang="en">Reading three outputs</span>'
    # Feedback is worded from the translated texts, so the result page matches the question.
    assert graded(quiz["q-temperature"], "zero")[3] == [("zero", True)]
    assert quiz["q-temperature"].score("zero").feedback[0].message.startswith("Con temperatura 0")
    assert quiz["q-accuracy"].score(90).feedback[0].message == "Correcto, 45 / 50 = 90 %."
    assert quiz["q-drift"].score("drift").feedback[0].message == "¿Qué tipo de deriva?"
    assert quiz["q-drift"].score("dataset shift").feedback[0].message == "También es correcto."
    assert quiz["q-drift"].score("nada").feedback[0].message.startswith("Piense")
    assert quiz["q-drift"].score("data drift").score == 1  # the key stays the original's
    assert [e.html for e in quiz["q-steps"].definition.entries][::3] == [
        "Definir la métrica",
        "Comparar con la referencia",
    ]
    roles = quiz["q-roles"].definition
    assert (
        roles.score({"system": "rules", "user": "asks", "assistant": "nothing"})
        .feedback[0]
        .message.startswith("El mensaje de sistema")
    )
    assert roles.responses[0].html == "Fija las reglas"
    explain = quiz["q-explain"].definition.rubric.criteria[0]
    assert (explain.title, explain.levels[-1].title) == ("Da la razón", "Con claridad")

    node = spanish.activity("ethics-scenario").scenario.nodes["request"]
    assert (
        node.situation_html
        == "<p>Su jefa quiere el modelo de selección en producción mañana.</p>\n"
    )
    audit, ship = node.choices
    assert audit.consequence_html.startswith("<p>El lanzamiento se retrasa")
    kept = '<div lang="en"><p>Complaints arrive within days.</p>\n</div>'  # not translated
    assert ship.consequence_html == kept
    assert node.justification.prompt_html == "<p>¿Por qué eligió esto?</p>\n"
    assert node.justification.rubric.criteria[0].levels[-1].title == "Sí"
    ending = spanish.activity("ethics-scenario").scenario.nodes["good-end"]
    assert ending.debrief_html == "<p>Usted protegió a los candidatos y a la empresa.</p>\n"

    trace = spanish.activity("warm-up").items[1].definition
    assert trace.segments["payload"].rationale_html.startswith("<p>El texto dentro")
    original = sample_track.activity("warm-up").items[1].definition.segments["payload"].html
    assert trace.segments["payload"].html == f'<div lang="en">{original}</div>'
    assert trace.controls[0].html.startswith("La salida de la herramienta")

    method, risks = spanish.activity("capstone-project").rubric.criteria
    assert [lv.title for lv in method.levels] == ["Débil", "Partial", "Sound", "Sólido"]
    assert method.levels[0].description_html == "No nombra datos de prueba ni métrica."
    assert risks.title == "Riesgos para las personas"


def test_translated_texts_are_sanitised_like_the_originals(broken: Path) -> None:
    plant(
        broken,
        BASICS,
        "              crossval: {text: Validación cruzada}",
        "              crossval: {text: '<script>x()</script>Validación'}",
    )
    plant(
        broken,
        ETHICS,
        "              debrief: Usted protegió",
        '              debrief: <a href="javascript:alert(1)" onclick="x()">Usted</a> protegió',
    )
    (track,) = load_track(broken).tracks
    spanish = track.translated("es")
    option = spanish.activity("basics-quiz").items[1].definition.options[1]
    assert "<script" not in option.html and "Validación" in option.html
    debrief = spanish.activity("ethics-scenario").scenario.nodes["good-end"].debrief_html
    assert "javascript:" not in debrief and "onclick" not in debrief and "protegió" in debrief


def test_a_translation_naming_what_the_original_lacks_is_refused(broken: Path) -> None:
    item = plant(broken, BASICS, "          q-steps:", "          q-stepz:")
    option = plant(
        broken, BASICS, "              two: {rationale", "              three: {rationale"
    )
    key = plant(broken, BASICS, "            feedback_correct:", "            feedback_right:")
    answer = plant(
        broken, BASICS, "              drift: {feedback", "              drfit: {feedback"
    )
    node = plant(
        broken,
        ETHICS,
        "            audit:\n              situation",
        "            audi:\n              situation",
    )
    choice = plant(broken, ETHICS, "                ship: {text", "                launch: {text")
    level = plant(
        broken,
        ETHICS,
        '                        "yes": {title',
        '                        "si": {title',
    )
    segment = plant(broken, PRACTICE, "              payload:", "              payl0ad:")
    control = plant(broken, PRACTICE, "              trust:", "              trusted:")
    criterion = plant(broken, CAPSTONE, "            risks:", "            risk:")
    key_in_level = plant(broken, CAPSTONE, "strong: {title: Sólido}", "strong: {titel: Sólido}")
    found = [str(p) for p in load_track(broken).problems]
    folder = "sample_track"
    assert found == [
        f"{folder}/{BASICS}:{option}: translation of option 'three': item 'q-temperature' "
        "has no such option",
        f"{folder}/{BASICS}:{key}: unknown key 'feedback_right' (did you mean 'feedback_correct'?)",
        f"{folder}/{BASICS}:{answer}: translation of answer 'drfit': item 'q-drift' has no "
        "such answer",
        f"{folder}/{BASICS}:{item}: translation of item 'q-stepz': activity 'basics-quiz' has "
        "no such item",
        f"{folder}/{CAPSTONE}:{key_in_level}: unknown key 'titel' (did you mean 'title'?)",
        f"{folder}/{CAPSTONE}:{criterion}: translation of criterion 'risk': the rubric of "
        "activity 'capstone-project' has no such criterion",
        f"{folder}/{ETHICS}:{choice}: translation of choice 'launch': node 'request' has no "
        "such choice",
        f"{folder}/{ETHICS}:{level}: translation of level 'si': criterion 'risk' has no such level",
        f"{folder}/{ETHICS}:{node}: translation of node 'audi': activity 'ethics-scenario' "
        "has no such node",
        f"{folder}/{PRACTICE}:{segment}: translation of segment 'payl0ad': item 'w-trace' has "
        "no such segment",
        f"{folder}/{PRACTICE}:{control}: translation of control 'trusted': item 'w-trace' has "
        "no such control",
    ]
