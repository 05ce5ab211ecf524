"""The reader poll counts only votes with a reader id this server issued for the report, one
vote per id, and at most OMBUD_POLL_ADDRESS_LIMIT votes per address and report per window."""

from __future__ import annotations

import secrets
from unittest import mock

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from ombud.reports.models import ReportReaction
from ombud.reports.publication import poll
from ombud.reports.tests.test_publication import day, public_url, publish_campaign  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def react_url(report) -> str:
    return reverse("publication:react", args=[report.public_id])


def vote(report, token: str | None, *, address: str, reaction: str = "dissatisfied"):
    client = Client(REMOTE_ADDR=address)
    if token is not None:
        client.cookies[poll.VOTER_COOKIE] = token
    return client.post(react_url(report), {"reaction": reaction})


def made_up_tokens(report, other) -> list[str]:
    """60 reader ids a stuffer could make without asking the server."""
    real = poll.new_voter_token(report)
    payload, _, signature = real.rpartition(":")
    tokens = [secrets.token_urlsafe(24) for _ in range(20)]  # the old format: any 32 characters
    tokens += [signing.dumps({"r": report.public_id, "v": secrets.token_urlsafe(24)}, key="x" * 50) for _ in range(10)]
    tokens += [signing.dumps({"r": report.public_id, "v": secrets.token_urlsafe(24)}) for _ in range(10)]  # no salt
    tokens += [poll.new_voter_token(other) for _ in range(10)]  # another report's
    tokens += [payload + ":" + signature[::-1], real[:-1] + ("A" if real[-1] != "A" else "B"), "", ":", "x" * 500]
    tokens += [("f" if real[0] != "f" else "g") + real[1:], payload, signature, real + ":", "a" * 32]
    assert len(tokens) == 60
    return tokens


def test_sixty_stuffed_votes_with_made_up_reader_ids_are_all_refused(day):  # noqa: F811
    report, other = publish_campaign(day), publish_campaign(day)
    for i, token in enumerate(made_up_tokens(report, other)):
        # A different address for each: refused for the id, not for the rate.
        r = vote(report, token, address=f"10.9.{i // 250}.{i % 250}")
        assert r.status_code == 403, (i, token)
        assert 'id="reaction-error"' in r.content.decode()
    r = vote(report, None, address="10.8.0.1")
    assert r.status_code == 403
    assert not ReportReaction.objects.exists()
    # The refused page gives the browser a real id: reloading and voting then works.
    assert poll.voter_id(report, r.cookies[poll.VOTER_COOKIE].value)
    assert vote(report, r.cookies[poll.VOTER_COOKIE].value, address="10.8.0.1").status_code == 302
    assert ReportReaction.objects.count() == 1


def test_the_message_says_what_to_do(day):  # noqa: F811
    report = publish_campaign(day)
    client = Client()
    client.cookies["django_language"] = "en"
    client.cookies[poll.VOTER_COOKIE] = "a" * 32
    html = client.post(react_url(report), {"reaction": "neutral"}).content.decode()
    assert "did not send the reader cookie of this report. Reload the page and vote again." in html


def test_the_first_polls_cookie_is_not_honoured_and_is_deleted(day):  # noqa: F811
    report = publish_campaign(day)
    client = Client()
    client.cookies[poll.LEGACY_VOTER_COOKIE] = "a" * 32
    r = client.get(public_url(report))
    assert r.cookies[poll.LEGACY_VOTER_COOKIE]["max-age"] == 0  # deleted
    assert client.post(react_url(report), {"reaction": "neutral"}).status_code == 302  # the new id
    assert ReportReaction.objects.count() == 1


def test_a_reader_id_expires_after_two_years(day):  # noqa: F811
    report = publish_campaign(day)
    with mock.patch("django.core.signing.time.time", return_value=signing.time.time() - 2 * 366 * 24 * 3600):
        old = poll.new_voter_token(report)
    assert poll.voter_id(report, old) is None
    assert vote(report, old, address="10.0.0.1").status_code == 403


def test_one_vote_per_reader_id_even_from_many_addresses(day):  # noqa: F811
    report = publish_campaign(day)
    token = poll.new_voter_token(report)
    for i, reaction in enumerate(["encouraged", "worried", "dissatisfied"]):
        assert vote(report, token, address=f"10.0.1.{i}", reaction=reaction).status_code == 302
    assert list(ReportReaction.objects.values_list("reaction", flat=True)) == ["dissatisfied"]


def test_votes_with_real_ids_are_limited_per_address_and_report(day, settings):  # noqa: F811
    """A stuffer that fetches the page for a fresh id before each vote: the documented default
    of 30 votes per address and report per hour holds; other addresses and reports are not
    affected."""
    assert (poll.poll_limit().limit, poll.poll_limit().window) == (30, 3600)
    report, other = publish_campaign(day), publish_campaign(day)
    answers = []
    for _ in range(60):
        client = Client(REMOTE_ADDR="198.51.100.20")
        client.get(public_url(report))  # a fresh reader id each time
        answers.append(client.post(react_url(report), {"reaction": "encouraged"}))
    assert [r.status_code for r in answers] == [302] * 30 + [429] * 30
    assert 3500 <= int(answers[-1]["Retry-After"]) <= 3600
    assert ReportReaction.objects.filter(report=report).count() == 30
    # Someone else, and the same address on another report, still vote.
    assert vote(report, poll.new_voter_token(report), address="198.51.100.21").status_code == 302
    assert vote(other, poll.new_voter_token(other), address="198.51.100.20").status_code == 302
    assert ReportReaction.objects.count() == 32
