"""A Spanish launch takes the sample track's questions, scenario and project in Spanish
(the translations in tests/assessments/sample_track), and the same answers grade exactly
as they do in English."""

from __future__ import annotations

import datetime as dt

from lti_tool.db import transaction
from lti_tool.models import Attempt
from tests.conftest import csrf_token_of as token
from tests.simulated_lms import LTI

QUIZ = "/learn/a/sample/basics-quiz"
SCENARIO = "/learn/a/sample/ethics-scenario"
PROJECT = "/learn/a/sample/capstone-project"
ANSWERS = {
    "answer-q-temperature": "zero",
    "answer-q-eval-methods": ["holdout", "vibes"],
    "answer-q-accuracy": "89",
    "answer-q-drift": "drift",
    "answer-q-steps-define": "1",
    "answer-q-steps-collect": "3",
    "answer-q-steps-run": "2",
    "answer-q-steps-compare": "4",
    "answer-q-roles-system": "rules",
    "answer-q-roles-user": "answers",
    "answer-q-roles-assistant": "asks",
    "answer-q-explain": "Los datos no vistos muestran si el modelo generaliza.",
}


def spanish() -> dict:
    return {"claims": {LTI + "launch_presentation": {"locale": "es-MX"}}}


def two_learners(course):
    """An English-speaking learner (``course.client``) and a Spanish-speaking one."""
    course.launch()
    other = course.app.test_client()
    course.launch(client=other, sub="learner-es", name="Lucía Pérez", **spanish())
    return course.client, other


def text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def start(client, path: str) -> str:
    response = client.post(path + "/start", data={"csrf_token": token(text(client, path))})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def grades(result: dict) -> dict:
    """A stored result without the feedback wording: what the grade is made of."""
    items = {
        item_id: {
            **{k: v for k, v in r.items() if k != "feedback"},
            "feedback": [(f["key"], f["correct"]) for f in r["feedback"]],
        }
        for item_id, r in (result.get("items") or {}).items()
    }
    return {**result, "items": items}


def results_by_learner(course) -> dict[str, dict]:
    with transaction(course.app) as session:
        found: dict[str, list] = {}
        for attempt in session.query(Attempt).order_by(Attempt.number):
            found.setdefault(attempt.user_id, []).append((attempt.score, attempt.result))
        return found


def test_a_spanish_quiz_shows_translated_questions_and_grades_as_in_english(course):
    english, spanish_ = two_learners(course)
    pages = {}
    for client in (english, spanish_):
        attempt_url = start(client, QUIZ)
        pages[client] = text(client, attempt_url)
        csrf = token(pages[client])
        assert (
            client.post(attempt_url + "/save", data={"csrf_token": csrf, **ANSWERS}).status_code
            == 302
        )
        confirmed = {"csrf_token": csrf, "confirm": "yes"}
        assert client.post(attempt_url + "/submit", data=confirmed).status_code == 302
        pages[client, "result"] = text(client, attempt_url)

    es, en = pages[spanish_], pages[english]
    assert "¿Qué <strong>temperatura</strong> da la salida más repetible?" in es
    assert "Which <strong>temperature</strong>" in en and "temperatura" not in en
    assert "Un conjunto de prueba reservado" in es and "A held-out test set" not in es
    assert "Reading three outputs" in es  # an option nobody translated stays as written
    assert ">Fija las reglas</option>" in es and "Definir la métrica" in es
    # The same options under the same ids, in the same per-learner order rules.
    assert es.count('type="radio" name="answer-q-temperature"') == 3

    result_es, result_en = pages[spanish_, "result"], pages[english, "result"]
    assert "Con temperatura 0 se elige siempre el token más probable." in result_es
    assert "Temperature 0 picks the most likely token every time." in result_en
    assert "¿Qué tipo de deriva?" in result_es and "Which kind of drift?" in result_en
    assert "Divida las respuestas correctas entre el total." in result_es
    assert "Explique por qué importa un conjunto reservado." in result_es

    (en_score, en_result), (es_score, es_result) = (
        results[0] for results in results_by_learner(course).values()
    )
    assert 0 < en_score < 1  # a mixed answer sheet: right, partly right and wrong answers
    assert es_score == en_score
    assert grades(es_result) == grades(en_result)


def choose(client, attempt_url, node, choice, justification=None):
    data = {"csrf_token": token(text(client, attempt_url)), "node": node, "choice": choice}
    if justification is not None:
        data["justification"] = justification
    return client.post(attempt_url + "/choose", data=data)


def test_a_spanish_scenario_plays_in_spanish_and_scores_as_in_english(course):
    english, spanish_ = two_learners(course)
    attempt_es = start(spanish_, SCENARIO)
    step = text(spanish_, attempt_es)
    assert "Su jefa quiere el modelo de selección en producción mañana." in step
    assert "Pedir primero una auditoría de sesgos" in step and "¿Por qué eligió esto?" in step
    assert "Lanzarlo mañana como estaba previsto" in step and "Ship it tomorrow" not in step
    assert choose(spanish_, attempt_es, "request", "audit", "Sesgo.").status_code == 302
    second = text(spanish_, attempt_es)
    assert "La auditoría muestra menor exactitud para un grupo." in second
    assert "Retrain with balanced data and re-test" in second  # untranslated: as written
    choose(spanish_, attempt_es, "audit", "fix")

    attempt_en = start(english, SCENARIO)
    choose(english, attempt_en, "request", "audit", "Bias.")
    choose(english, attempt_en, "audit", "fix")
    (en,), (es,) = results_by_learner(course).values()
    assert es[0] == en[0] and {**es[1], "justifications": None} == {
        **en[1],
        "justifications": None,
    }

    # After the last attempt the debrief and the consequences show, in Spanish.
    with transaction(course.app) as session:
        for attempt in session.query(Attempt):
            attempt.submitted_at -= dt.timedelta(hours=25)
    last = start(spanish_, SCENARIO)
    choose(spanish_, last, "request", "ship", "Prisa.")
    debrief = text(spanish_, attempt_es)
    assert "Usted protegió a los candidatos y a la empresa." in debrief
    assert "El lanzamiento se retrasa una semana" in debrief
    assert "Harm reached people who trusted the system." in text(spanish_, last)


def test_a_spanish_project_page_shows_the_translated_brief_and_rubric(course):
    english, spanish_ = two_learners(course)
    es = text(spanish_, PROJECT)
    assert "Escriba un plan de evaluación de dos páginas" in es
    assert "Cómo se califica" in es and "Rúbrica (10 puntos)" in es
    assert '<th scope="row">Método</th>' in es
    assert "<span>Débil</span> (0)" in es and "<span>Sólido</span> (6)" in es
    assert "Riesgos para las personas" in es
    assert "<span>Partial</span> (1,5)" in es  # untranslated: English, with a Spanish number
    en = text(english, PROJECT)
    assert "How it is graded" in en and '<th scope="row">Method</th>' in en
    assert "Débil" not in en
