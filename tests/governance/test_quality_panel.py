"""The quality panel on the product page, its history chart, and the owner's "check again" button."""
import re

import pytest
from django.test import Client
from django.utils import timezone

from catalog.panels import product_panels
from governance.models import QualityScore
from governance.services import product_quality_check

pytestmark = pytest.mark.django_db


def page(client, product):
    return client.get(f"/governance/products/{product.identifier}/quality/").content.decode()


def test_panel_is_registered_with_the_catalog():
    assert "quality" in [p.key for p in product_panels()]


def test_panel_shows_score_bars_explanations_checks_and_chart(client, make_product, member):
    product = make_product()
    QualityScore.objects.create(product=product, score=55, dimensions={}, breakdown={},
                                computed_at=timezone.now() - timezone.timedelta(days=1))
    score = product_quality_check(product_id=product.pk)
    client.force_login(member)
    html = page(client, product)
    assert f'data-testid="quality-score">{score.score:.0f}<' in html
    assert re.search(r'aria-label="uniqueness \d+ of 100"', html)
    assert "20% nulls in email (1 of 5 rows), rule allows at most 1%" in html
    assert re.search(r"<li>−\d+: 1 duplicate in id", html)
    failed = html[html.index('aria-label="Failed checks"'):html.index("</table>", html.index('aria-label="Failed checks"'))]
    assert "at most 1 % of <code>email</code> values may be null" in failed  # the rule in words, with its unit
    assert html.index('aria-label="Failed checks"') < html.index("passed</summary>")  # failures first, passes folded
    polyline = re.search(r'<polyline [^>]*points="([^"]+)"', html).group(1)
    assert len(polyline.split()) == 2  # two scores in the history, two points on the line
    assert "<script" not in html
    assert "Profile and check again" in html
    assert "csrfmiddlewaretoken" in html


def test_consumers_see_the_score_but_no_run_button(client, make_product, consumer):
    product = make_product()
    product_quality_check(product_id=product.pk)
    client.force_login(consumer)
    html = page(client, product)
    assert 'data-testid="quality-score">' in html
    assert "Profile and check again" not in html


def test_restricted_details_are_hidden_from_outsiders(client, make_product, consumer):
    product = make_product(visibility="restricted")
    product_quality_check(product_id=product.pk)
    client.force_login(consumer)
    html = page(client, product)
    assert "nulls in email" not in html
    assert "visible to this product's team" in html


def test_run_button_needs_csrf_and_a_team_member(make_product, member, consumer, monkeypatch,
                                                 django_capture_on_commit_callbacks):
    from profiling import tasks

    queued = []
    monkeypatch.setattr(tasks.product_profile_task, "delay", lambda pk: queued.append(pk))
    product = make_product()
    run_url = f"/governance/products/{product.identifier}/quality/run/"
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    assert strict.post(run_url).status_code == 403  # no CSRF token

    client = Client()
    client.force_login(consumer)
    assert client.post(run_url).status_code == 403
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(run_url)
    assert response.status_code == 302
    assert queued == [product.pk]
    assert client.get(run_url).status_code == 405


def test_a_failed_run_shows_its_reason_to_the_team(client, make_product, member):
    import os

    from governance.services import quality_run_execute

    product = make_product()
    port = product.output_ports.get()
    os.remove(port.location)
    quality_run_execute(port=port)
    client.force_login(member)
    html = page(client, product)
    assert '<span class="failed">Failed</span>: file not found' in html
