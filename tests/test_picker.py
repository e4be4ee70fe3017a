"""The content picker (Deep Linking and "choose what this link opens"): a tree of tracks →
modules → activities, each choice with its kind, time, points and competencies, a search box
that filters it, and forms that still place what is ticked."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser

import pytest

from assessments.catalog import list_tracks
from lti_tool.learning.catalogue import activity_points, picker_tracks
from tests import browser as browser_tools
from tests.conftest import SAMPLE_CONTENT
from tests.conftest import csrf_token_of as token
from tests.simulated_lms import DELETE, LTI
from tests.test_deep_linking import DL, deep_linking_launch, returned_token

VOID = {"input", "br", "meta", "link", "img", "hr", "source", "wbr"}


@dataclasses.dataclass
class Node:
    tag: str
    attrs: dict[str, str | None]
    parent: Node | None = None
    children: list[Node | str] = dataclasses.field(default_factory=list)

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return " ".join(" ".join(parts).split())

    def all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if (tag is None or child.tag == tag) and all(
                    child.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items()
                ):
                    found.append(child)
                found += child.all(tag, **attrs)
        return found

    def ancestors(self, tag: str) -> list[Node]:
        up, found = self.parent, []
        while up is not None:
            if up.tag == tag:
                found.append(up)
            up = up.parent
        return found

    def summary(self) -> str:
        return next(c for c in self.children if isinstance(c, Node) and c.tag == "summary").text()


class Tree(HTMLParser):
    """The page as a tree of elements, enough to ask what holds what."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.root = self.current = Node("#root", {})
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag):
        up = self.current
        while up is not None and up.tag != tag:
            up = up.parent
        if up is not None and up.parent is not None:
            self.current = up.parent

    def handle_data(self, data):
        self.current.children.append(data)


def picker_page(course, **launch) -> tuple[str, Node]:
    deep_linking_launch(course, **launch)
    page = course.client.get("/teach/deep-link").get_data(as_text=True)
    return page, Tree(page).root


def choice(root: Node, target: str) -> Node:
    """The list entry holding the input whose value is ``target``."""
    (field,) = root.all("input", value=target)
    return next(li for li in field.ancestors("li") if "data-picker-entry" in li.attrs)


def sample_track():
    return next(t for t in list_tracks(SAMPLE_CONTENT) if t.id == "sample")


def test_picker_groups_choices_by_track_then_module_whole_group_first(course):
    _, root = picker_page(course)
    tracks = root.all("details", **{"class": "picker-track"})
    titles = [t.all("span", **{"class": "picker-name"})[0].text() for t in tracks]
    assert titles == [t.title for t in list_tracks(SAMPLE_CONTENT)]
    sample = tracks[titles.index("Sample Practitioner")]
    # The track's summary names it and counts what it holds.
    assert sample.summary() == "Sample Practitioner (5 modules, 9 activities, about 4.5 h)"
    targets = [i.attrs["value"] for i in sample.all("input", name="target")]
    # The whole track first, then each module: the whole module, then its activities.
    assert targets[:5] == [
        "track:sample",
        "module:sample/basics",
        "activity:sample/intro",
        "activity:sample/basics-quiz",
        "activity:sample/basics-exam",
    ]
    modules = sample.all("details", **{"class": "picker-module"})
    assert [m.summary() for m in modules][:2] == [
        "Module: Basics (3 activities, about 16 min)",
        "Module: Responsible use (2 activities, about 21 min)",
    ]
    basics = modules[0]
    assert basics.all("input")[0].attrs["value"] == "module:sample/basics"
    assert choice(root, "module:sample/basics").text().startswith("The whole module: Basics")
    assert choice(root, "track:sample").text().startswith("The whole track: Sample Practitioner")
    # An activity's choice sits inside its module's group, inside its track's group.
    quiz = choice(root, "activity:sample/basics-quiz")
    assert quiz.ancestors("details") == [basics, sample]


def test_each_choice_shows_kind_time_points_and_competencies(course):
    _, root = picker_page(course)
    track = sample_track()
    quiz_points = activity_points(track.activity("basics-quiz"))
    assert quiz_points and quiz_points == sum(i.points for i in track.activity("basics-quiz").items)
    facts = choice(root, "activity:sample/basics-quiz").text()
    assert facts == (
        f"Check your understanding quiz · about 11 min · {quiz_points:g} points"
        " · Competencies: Prompt design, Evaluation"
    )
    lesson = choice(root, "activity:sample/intro").text()
    assert "lesson · about 1 min · not scored" in lesson and "Competencies" not in lesson
    project = choice(root, "activity:sample/capstone-project").text()
    rubric_total = track.activity("capstone-project").rubric.total
    assert f"project · about 3 h · {rubric_total:g} points" in project
    assert "Competencies: Evaluation, Responsible use" in project
    lab = track.activity("prompt-lab").lab
    assert (
        f"lab · about 46 min · {lab.points:g} points"
        in choice(root, "activity:sample/prompt-lab").text()
    )
    # A whole module adds up its activities' time and competencies.
    assert choice(root, "module:sample/basics").text() == (
        "The whole module: Basics about 16 min · Competencies: Prompt design, Evaluation"
    )


def test_every_choice_starts_inside_a_collapsed_group(course):
    page, root = picker_page(course)
    fields = root.all("input", name="target")
    tracks = list_tracks(SAMPLE_CONTENT)
    expected = sum(1 + len(t.modules) + sum(1 for _ in t.activities()) for t in tracks)
    assert len(fields) == expected
    assert all(field.ancestors("details") for field in fields)
    # Several tracks: all start collapsed, so the page shows only their summaries.
    assert all("open" not in d.attrs for d in root.all("details"))
    assert page.count("<details") == len(tracks) + sum(len(t.modules) for t in tracks)


def test_search_box_and_live_region_are_labelled_and_work_without_javascript(course):
    page, root = picker_page(course)
    (search,) = root.all("input", type="search")
    (label,) = root.all("label", **{"for": search.attrs["id"]})
    assert label.text() == "Search by title, kind or competency"
    assert "name" not in search.attrs  # the search words are never submitted
    # Hidden until picker.js runs: without JavaScript a box that filters nothing is noise.
    (wrapper,) = [div for div in root.all("div") if "data-picker-search" in div.attrs]
    assert "hidden" in wrapper.attrs
    (status,) = root.all(role="status")
    assert status.attrs["aria-live"] == "polite"
    assert search.attrs["aria-describedby"] == status.attrs["id"]
    assert "{count} choices match" in status.attrs["data-text-many"]
    assert re.search(r'<script src="/static/js/picker\.js[^"]*" defer>', page)
    (tree,) = root.all("fieldset", id=search.attrs["aria-controls"])
    assert tree.all("legend")[0].text() == "Tracks, modules and activities"


def test_ticked_choices_are_placed_in_the_lms(course):
    page, _ = picker_page(course)
    chosen = ["module:sample/basics", "activity:sample/prompt-lab", "track:sample"]
    response = course.client.post(
        "/teach/deep-link", data={"csrf_token": token(page), "target": chosen}
    )
    items = returned_token(course, response)[DL + "content_items"]
    assert [i["custom"]["skillcert_target"] for i in items] == chosen
    assert [i["title"] for i in items] == [
        "Basics",
        "Write a classifier prompt",
        "Sample Practitioner",
    ]
    assert "lineItem" in items[0] and "lineItem" in items[1] and "lineItem" not in items[2]


def test_single_choice_platform_gets_one_radio_group(course):
    _, root = picker_page(course, accept_multiple=False)
    kinds = {field.attrs["type"] for field in root.all("input", name="target")}
    assert kinds == {"radio"}


def test_link_target_form_offers_the_tree_and_sets_the_link(course):
    course.launch("instructor", resource_link={"id": "manual-1", "title": "SkillCert"})
    page = course.client.get("/teach/").get_data(as_text=True)
    root = Tree(page).root
    fields = root.all("input", name="target")
    assert {f.attrs["type"] for f in fields} == {"radio"}
    assert all(f.ancestors("details") for f in fields)
    assert not [f for f in fields if "checked" in f.attrs]
    assert "picker.js" in page
    response = course.client.post(
        "/teach/link-target", data={"csrf_token": token(page), "target": "module:sample/ethics"}
    )
    assert response.status_code == 302
    home = course.client.get("/teach/").get_data(as_text=True)
    assert "This link opens <strong>Responsible use</strong>" in home
    assert "picker.js" not in home  # chosen: the picker is gone


def test_a_placed_link_page_builds_no_picker(course):
    course.launch(
        "instructor",
        resource_link={"id": "placed-1", "title": "Basics"},
        claims={LTI + "custom": {"skillcert_target": "module:sample/basics"}},
    )
    page = course.client.get("/teach/").get_data(as_text=True)
    assert "This link opens <strong>Basics</strong>" in page and "<details" not in page


def test_spanish_page_writes_numbers_the_spanish_way(course):
    claims = {
        LTI + "message_type": "LtiDeepLinkingRequest",
        LTI + "resource_link": DELETE,
        LTI + "launch_presentation": {"locale": "es-MX"},
        DL + "deep_linking_settings": {
            "deep_link_return_url": course.sim.url + "/deep-link-return",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe"],
            "accept_multiple": True,
        },
    }
    response = course.launch("instructor", claims=claims)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = course.client.get("/teach/deep-link").get_data(as_text=True)
    assert '<html lang="es">' in page
    summary = next(
        d.summary()
        for d in Tree(page).root.all("details")
        if "Sample Practitioner (" in d.summary()
    )
    assert "4,5" in summary and "4.5" not in summary


def test_catalogue_opens_only_the_groups_holding_the_current_choice():
    tracks = list_tracks(SAMPLE_CONTENT)
    groups = picker_tracks(tracks, chosen=["activity:sample/basics-quiz"])
    opened = [(t.id, [m.id for m in t.modules if m.open]) for t in groups if t.open]
    assert opened == [("sample", ["basics"])]
    quiz = next(c for c in groups[-1].modules[0].activities if c.target.endswith("basics-quiz"))
    assert quiz.chosen and quiz.points == activity_points(sample_track().activity("basics-quiz"))
    # A whole module chosen opens its track and itself; one track alone starts open.
    groups = picker_tracks(tracks, chosen=["module:sample/ethics"])
    assert [m.id for t in groups for m in t.modules if m.open] == ["ethics"]
    (only,) = picker_tracks([sample_track()])
    assert only.open and not any(m.open for m in only.modules)


@pytest.mark.browser
def test_search_filters_opens_groups_and_announces_matches(make_app, simulated_lms, db_url):
    """picker.js in Chromium: typing hides what does not match, opens the groups that hold
    matches, says how many, and clearing the box restores the collapsed tree."""
    from playwright.sync_api import sync_playwright

    from tests import loopback
    from tests.conftest import LmsDriver
    from tests.test_accessibility import http_launch

    if db_url.startswith("postgresql"):
        pytest.skip("the script is the same on both databases; checked once, on SQLite")
    browser_tools.require()
    build = lambda base: make_app(content_path=str(SAMPLE_CONTENT), base_url=base)  # noqa: E731
    with loopback.serving(build) as (app, base), sync_playwright() as playwright:
        lms = LmsDriver(app, app.test_client(), simulated_lms)
        lms.register()
        link = {"id": "manual-1", "title": "SkillCert"}
        instructor = http_launch(base, lms, "instructor", resource_link=link)
        browser = browser_tools.launch(playwright)
        context = browser.new_context()
        context.add_cookies(
            [{"name": c.name, "value": c.value, "url": base} for c in instructor.cookies]
        )
        page = context.new_page()
        page.goto(base + "/teach/")
        search = page.get_by_label("Search by title, kind or competency")
        assert search.is_visible()
        assert not page.get_by_label("Write a classifier prompt", exact=False).first.is_visible()
        search.fill("classifier")
        status = page.locator("#picker-status")
        # The lab is in the sample track and in the specialisation that inherits its module.
        status.filter(has_text="2 choices match").wait_for()
        prompt_lab = page.locator('input[value="activity:sample/prompt-lab"]')
        assert prompt_lab.is_visible()
        assert not page.locator('input[value="activity:sample/intro"]').is_visible()
        search.press("Enter")  # must not submit the form
        page.wait_for_timeout(300)
        assert page.url == base + "/teach/"
        prompt_lab.check()
        search.fill("")
        assert not prompt_lab.is_visible()  # collapsed again, still ticked
        assert prompt_lab.is_checked()
        # axe-core over the whole tree, every group open.
        page.eval_on_selector_all("details", "all => all.forEach(d => { d.open = true; })")
        assert browser_tools.serious_violations(page) == []
        page.get_by_role("button", name="Use this").click()
        page.get_by_text("This link opens").wait_for()
        browser.close()
