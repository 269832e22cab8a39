"""The sticky comment: found by marker and author across pages, updated not duplicated, races."""

from __future__ import annotations

import threading

import pytest

from preflight.report.markdown import MARKER
from preflight.sinks import comments
from preflight.sinks.api import GitHub, GitHubError
from tests.sinks.conftest import APP_TOKEN, USER_TOKEN, new_state
from tests.sinks.server import Failure, State, serve

BOT = "github-actions[bot]"


def body(text: str) -> str:
    return f"{MARKER}\n### preflight\n\n{text}\n"


def api(url: str, token: str = APP_TOKEN) -> GitHub:
    return GitHub(url, token, sleeper=lambda _: None)


def test_created_once_then_updated(fake_github: tuple[State, str]) -> None:
    state, url = fake_github
    with api(url) as github:
        first = comments.upsert(github, "o/r", 7, body("one"), comments.viewer(github))
        second = comments.upsert(github, "o/r", 7, body("two"), comments.viewer(github))
        third = comments.upsert(github, "o/r", 7, body("two"), comments.viewer(github))
    assert (first.action, second.action, third.action) == ("created", "updated", "unchanged")
    assert first.comment_id == second.comment_id == third.comment_id
    assert [c["body"] for c in state.comments[7]] == [body("two")]


def test_found_across_pages_among_other_users_similar_markers(fake_github: tuple[State, str]) -> None:
    state, url = fake_github
    state.page_size = 2
    state.add_comment(7, "mallory", body("a user pasting our exact marker"))
    state.add_comment(7, BOT, "<!-- preflight:report-v0 -->\nanother bot comment with a similar marker")
    state.add_comment(7, BOT, f"quoting {MARKER} inline is not the marker line")
    state.add_comment(7, "renovate[bot]", body("another bot"))
    ours = state.add_comment(7, BOT, body("old"))
    state.add_comment(7, "alice", "LGTM")
    with api(url) as github:
        posted = comments.upsert(github, "o/r", 7, body("new"), comments.viewer(github))
    assert (posted.action, posted.comment_id) == ("updated", ours["id"])
    assert [c["body"] for c in state.comments[7]].count(body("new")) == 1
    assert state.comments[7][0]["body"] == body("a user pasting our exact marker")
    listed = [path for method, path, _ in state.requests if method == "GET" and "/comments" in path]
    assert len(listed) == 3  # six comments, two per page


def test_the_author_is_the_tokens_own_user(fake_github: tuple[State, str]) -> None:
    state, url = fake_github
    state.add_comment(7, BOT, body("the Actions bot's comment"))
    with api(url, USER_TOKEN) as github:
        assert comments.viewer(github) == "octocat"  # a personal token: /user
        posted = comments.upsert(github, "o/r", 7, body("mine"), "octocat")
    assert posted.action == "created" and len(state.comments[7]) == 2
    with api(url) as github:
        assert comments.viewer(github) == "github-actions"  # GITHUB_TOKEN: GraphQL viewer, no [bot]


def test_earlier_duplicates_of_its_own_are_cleaned_up(fake_github: tuple[State, str]) -> None:
    state, url = fake_github
    keep = state.add_comment(7, BOT, body("first"))
    state.add_comment(7, BOT, body("duplicate left by an earlier race"))
    with api(url) as github:
        posted = comments.upsert(github, "o/r", 7, body("new"), BOT)
    assert (posted.action, posted.comment_id, posted.removed) == ("updated", keep["id"], 1)
    assert [c["body"] for c in state.comments[7]] == [body("new")]


def test_a_run_that_lost_the_race_writes_into_the_older_comment(fake_github: tuple[State, str]) -> None:
    state, url = fake_github

    def other_run_creates_first() -> None:  # after our empty listing, before our create
        state.on_create = None
        state.add_comment(7, BOT, body("the other run"))

    state.on_create = other_run_creates_first
    with api(url) as github:
        posted = comments.upsert(github, "o/r", 7, body("ours"), BOT)
    assert (posted.action, posted.removed) == ("updated", 1)
    assert [c["body"] for c in state.comments[7]] == [body("ours")]


def test_a_run_that_won_the_race_deletes_the_newer_duplicate(fake_github: tuple[State, str]) -> None:
    state, url = fake_github
    listings = 0

    def other_run_creates_after_us() -> None:  # after our create, before our second listing
        nonlocal listings
        listings += 1
        if listings == 2:
            state.add_comment(7, BOT, body("the other run"))

    state.on_list = other_run_creates_after_us
    with api(url) as github:
        posted = comments.upsert(github, "o/r", 7, body("ours"), BOT)
    assert (posted.action, posted.removed) == ("created", 1)
    assert [c["body"] for c in state.comments[7]] == [body("ours")]


def test_two_racing_runs_leave_one_comment() -> None:
    """Both runs list before either creates (a barrier in the server), both create, one remains."""
    state = new_state()
    barrier = threading.Barrier(2, timeout=10)
    lists = 0

    def both_list_first() -> None:
        nonlocal lists
        with state.lock:
            lists += 1
            first_two = lists <= 2
        if first_two:
            barrier.wait()

    state.on_list = both_list_first
    posted: list[comments.Posted] = []
    with serve(state) as url:

        def run(text: str) -> None:
            with api(url) as github:
                posted.append(comments.upsert(github, "o/r", 7, body(text), BOT))

        threads = [threading.Thread(target=run, args=(name,)) for name in ("run A", "run B")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
    assert len(state.comments[7]) == 1
    assert {p.comment_id for p in posted} == {state.comments[7][0]["id"]}
    assert sorted(p.action for p in posted) == ["created", "updated"]
    creates = [m for m, path, _ in state.requests if m == "POST" and path.endswith("/comments")]
    assert len(creates) == 2


def test_a_retried_create_that_had_succeeded_leaves_no_duplicate(fake_github: tuple[State, str]) -> None:
    """GitHub stored the comment but answered 502; the retried POST stores a second; one remains."""
    state, url = fake_github
    state.failures.append(Failure("POST", "/comments$", 502, store=True))
    with api(url) as github:
        posted = comments.upsert(github, "o/r", 7, body("x"), BOT)
    assert (posted.action, posted.removed) == ("updated", 1)
    assert [c["body"] for c in state.comments[7]] == [body("x")]


def test_long_bodies_are_cut_under_the_limit_and_accepted(fake_github: tuple[State, str]) -> None:
    state, url = fake_github
    rows = "".join(f"| f{i} | {'🔥' * 20} |\n" for i in range(5_000))
    long = f"{MARKER}\n### preflight\n\n<details><summary>All</summary>\n\n```text\n{rows}"
    with api(url) as github:
        posted = comments.upsert(github, "o/r", 7, long, BOT)
    stored = state.comments[7][0]["body"]
    assert posted.action == "created"
    assert comments.size(stored) <= comments.LIMIT and len(stored) <= 65_536
    assert stored.startswith(MARKER) and stored.endswith(comments.CUT_NOTE)
    assert stored.count("```") % 2 == 0 and stored.count("<details>") == stored.count("</details>")
    assert "\n| f" in stored and stored.split(comments.CUT_NOTE)[0].rstrip().endswith("</details>")


def test_fit_leaves_short_bodies_alone_and_cuts_one_huge_line() -> None:
    assert comments.fit(body("short")) == body("short")
    cut = comments.fit("x" * 100_000)
    assert comments.size(cut) <= comments.LIMIT and cut.endswith(comments.CUT_NOTE)


def test_fit_closes_an_open_code_fence() -> None:
    text = f"{MARKER}\n```text\n" + "line\n" * 20_000
    cut = comments.fit(text)
    assert cut.count("```") == 2 and cut.endswith("\n```" + comments.CUT_NOTE)


def test_viewer_falls_back_to_the_actions_bot(fake_github: tuple[State, str]) -> None:
    state, url = fake_github
    state.failures.append(Failure("POST", "/graphql$", 502, times=9))
    with api(url) as github:
        assert comments.viewer(github) == "github-actions[bot]"


def test_deleting_someone_elses_comment_is_an_error(fake_github: tuple[State, str]) -> None:
    state, url = fake_github
    state.add_comment(7, "impostor[bot]", body("one"))
    state.add_comment(7, "impostor[bot]", body("two"))
    with api(url) as github, pytest.raises(GitHubError, match=r"DELETE .* 403") as e:
        comments.upsert(github, "o/r", 7, body("x"), "impostor")  # a wrong author: not ours to delete
    assert e.value.status == 403 and len(state.comments[7]) == 2
