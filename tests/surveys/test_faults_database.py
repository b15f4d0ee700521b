"""PostgreSQL restarted in the middle of a burst of survey submissions.

The app runs in gunicorn against a PostgreSQL server of the test's own (a copy
of the test database's schema), with persistent connections so that the restart
also breaks connections the workers hold. While respondents submit, the server
is restarted with ``pg_ctl restart -m fast``. Afterwards: every submission that
was told "thank you" is stored, responses equal used codes, nothing is orphaned,
and whoever was turned away saw a "please submit again" page and could.
"""

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
import psycopg
import pytest
from django.db import OperationalError

from benchmarks.survey_rush import AnswerForm
from surveys import submission, tokens
from tests.faults import (  # noqa: F401 (fixtures)
    app_environment,
    clone_schema,
    current_test_database_url,
    run_django,
    start_app_server,
    throwaway_postgres,
    wait_for,
)

STAFF = 60
CONCURRENCY = 6
SEED = """
import json
from benchmarks.survey_rush import seed
round_, codes = seed(%d)
print(json.dumps({"round": round_.pk, "codes": codes}))
"""
SUBMIT_AGAIN = "please submit again"


@dataclass
class Respondent:
    code: str
    client: httpx.Client
    answers: dict = field(default_factory=dict)
    outcomes: list[int] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)

    def open(self) -> None:
        self.client.cookies.clear()
        response = self.client.get(f"/s/t/{self.code}/")
        assert response.status_code == 303, response.status_code
        page = self.client.get("/s/answer/")
        assert page.status_code == 200, page.status_code
        form = AnswerForm()
        form.feed(page.text)
        self.answers = form.answers()

    def submit(self) -> int:
        try:
            response = self.client.post(
                "/s/answer/",
                data=self.answers,
                headers={"Sec-Fetch-Site": "same-origin"},
            )
        except httpx.TransportError:
            status = 0
        else:
            status = response.status_code
            if status != 303:
                self.pages.append(response.text)
        self.outcomes.append(status)
        return status

    def submit_again(self) -> int:
        """Press the page's submit button, as the person turned away would."""
        form = AnswerForm()
        form.feed(self.pages[-1])
        assert form.action == "/s/answer/"
        if not form.radios:  # the "please submit again" page: answers are hidden
            self.answers = form.hidden
        return self.submit()

    @property
    def thanked(self) -> bool:
        return 303 in self.outcomes


def _counts(url: str) -> dict:
    with psycopg.connect(url, connect_timeout=10) as conn:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "responses": one("SELECT count(*) FROM surveys_response"),
            "participations": one("SELECT count(*) FROM surveys_participation"),
            "answers_without_response": one(
                "SELECT count(*) FROM surveys_answer a LEFT JOIN surveys_response r "
                "ON a.response_id = r.id WHERE r.id IS NULL"
            ),
            "responses_without_answers": one(
                "SELECT count(*) FROM surveys_response r WHERE NOT EXISTS "
                "(SELECT 1 FROM surveys_answer a WHERE a.response_id = r.id)"
            ),
            "digests": {
                row[0]
                for row in conn.execute("SELECT digest FROM surveys_participation")
            },
        }


@pytest.mark.fault
@pytest.mark.postgres
def test_postgres_restart_mid_burst_loses_and_duplicates_nothing(
    throwaway_postgres,  # noqa: F811
    transactional_db,
    tmp_path,
):
    source = current_test_database_url()
    url = throwaway_postgres.create_database("flywheel_fault")
    clone_schema(source, url)
    environment = app_environment(url, DJANGO_CONN_MAX_AGE=60)
    seeded = json.loads(run_django(SEED % STAFF, environment).splitlines()[-1])
    codes = seeded["codes"]
    server = start_app_server(environment, tmp_path)
    try:
        clients = [
            httpx.Client(base_url=server.base_url, timeout=30) for _ in range(STAFF)
        ]
        respondents = [
            Respondent(code, c) for code, c in zip(codes, clients, strict=True)
        ]
        for respondent in respondents:
            respondent.open()

        thanked = threading.Semaphore(0)
        restarted = threading.Event()

        def burst_one(respondent):
            if respondent.submit() == 303:
                thanked.release()

        def restart_mid_burst():
            for _ in range(STAFF // 3):
                thanked.acquire(timeout=30)
            throwaway_postgres.restart()
            restarted.set()

        restarter = threading.Thread(target=restart_mid_burst)
        restarter.start()
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            list(pool.map(burst_one, respondents))
        restarter.join(timeout=60)
        assert restarted.is_set(), "PostgreSQL was not restarted during the burst"

        turned_away = [r for r in respondents if not r.thanked]
        assert turned_away, "no submission met the restart: the test proved nothing"
        for respondent in turned_away:
            assert respondent.outcomes == [503], respondent.outcomes
            (page,) = respondent.pages
            assert SUBMIT_AGAIN in page
            assert "Traceback" not in page and "Server Error" not in page
        # Submitting again from the page they got stores their answers.
        for respondent in turned_away:
            assert respondent.submit_again() == 303, respondent.pages[-1][:500]

        counts = _counts(url)
        print(f"turned away during the restart: {len(turned_away)} of {STAFF}")
    finally:
        for client in clients:
            client.close()
        server.stop()

    assert all(r.thanked for r in respondents)
    assert counts["responses"] == counts["participations"] == STAFF
    assert counts["digests"] == {tokens.participation_digest(c) for c in codes}
    assert counts["answers_without_response"] == 0
    assert counts["responses_without_answers"] == 0
    assert "Traceback" not in server.log()


def test_a_post_the_database_refuses_comes_back_as_a_submit_again_form(
    client, monkeypatch
):
    """Without a server to kill: the page a failing database gives a post."""

    def refuse(code):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(submission, "invitation_for_code", refuse)

    response = client.post(
        "/s/", {"code": "ABCDE-FGHJK", "kiosk": "1"}, HTTP_SEC_FETCH_SITE="none"
    )

    assert response.status_code == 503
    page = response.content.decode()
    assert SUBMIT_AGAIN in page
    assert '<input type="hidden" name="code" value="ABCDE-FGHJK">' in page
    assert '<input type="hidden" name="kiosk" value="1">' in page
    assert response["Cache-Control"] == "no-store"
