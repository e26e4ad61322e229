"""``make demo`` as a newcomer meets it: the address it really serves on, the logins last and alone,
and Meshport's own 404/403/500 pages rather than Django's technical ones."""
import io
import logging
import subprocess
import sys
from types import SimpleNamespace

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

from catalog.descriptors.services import descriptors_import
from demo.management.commands import load_demo
from tests.catalog.descriptor_texts import orders_yaml

pytestmark = pytest.mark.django_db


def fake_report():
    data = SimpleNamespace(files=[], generated=0, rows=0, seconds=0.0)
    users = [SimpleNamespace(username="steward", token="t" * 40, role="steward (admin)")]
    return SimpleNamespace(data=data, seconds=0.1, domains=1, products=0, created=[], updated=[], unchanged=[],
                           descriptor_files=0, descriptors_written=0, steps=[], users=users)


@pytest.fixture
def quiet_load(monkeypatch):
    """``demo_load`` replaced by one that logs like the real one's tasks: a Celery INFO line, a warning."""
    def demo_load(**kwargs):
        logging.getLogger("celery.app.trace").info("Task quality_score_refresh_task succeeded")
        logging.getLogger("demo").warning("a warning the user should see")
        return fake_report()
    monkeypatch.setattr("demo.services.demo_load", demo_load)


def run_load(*args) -> str:
    out = io.StringIO()
    call_command("load_demo", "--data-dir", str(settings.MESHPORT_DEMO_DATA_DIR), *args, stdout=out)
    return out.getvalue()


def test_the_address_printed_is_the_one_served(monkeypatch, quiet_load):
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.delenv("HOST", raising=False)
    assert "Open http://127.0.0.1:8123 " in run_load()
    monkeypatch.setenv("HOST", "0.0.0.0")  # noqa: S104 -- every interface: the browser opens the loopback
    assert load_demo.default_url() == "http://127.0.0.1:8123"
    monkeypatch.setenv("HOST", "demo.local")
    assert load_demo.default_url() == "http://demo.local:8123"
    assert "Open http://example.org:9 " in run_load("--url", "http://example.org:9")


def test_tasks_log_at_warning_while_loading_and_the_logins_come_last(quiet_load, caplog):
    caplog.set_level(logging.NOTSET)  # the command, not the test, decides what is shown
    root_level = logging.getLogger().level

    output = run_load()

    shown = [r.getMessage() for r in caplog.records]
    assert "Task quality_score_refresh_task succeeded" not in shown
    assert "a warning the user should see" in shown
    assert logging.getLogger().level == root_level  # restored after the load
    tail = output.rstrip("\n").split("\n\n")[-1].splitlines()
    assert tail[0].startswith("Open http://")
    assert tail[1].split() == ["user", "API", "token", "role"]
    assert tail[2].split()[0] == "steward"
    assert len(tail) == 3


def test_the_log_level_is_configurable(quiet_load, caplog):
    caplog.set_level(logging.NOTSET)
    run_load("--log-level", "info")
    assert "Task quality_score_refresh_task succeeded" in [r.getMessage() for r in caplog.records]


def test_the_demo_settings_keep_djangos_technical_pages_off_over_plain_http():
    code = ("import django; from django.conf import settings; django.setup(); "
            "print(settings.DEBUG, settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE, bool(settings.SECRET_KEY))")
    env = {"DJANGO_SETTINGS_MODULE": "meshport.settings.demo", "PATH": "/usr/bin:/bin",
           "MESHPORT_VAR_DIR": str(settings.MESHPORT_DEMO_DATA_DIR.parent)}
    shown = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                           cwd=settings.BASE_DIR).stdout.split()
    assert shown == ["False", "False", "False", "True"]


def test_a_wrong_address_shows_meshports_own_404_page():
    response = Client().get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "We could not find that page" in html
    assert "Nothing lives at <code>/no/such/page/</code>" in html
    assert 'href="/domains/"' in html  # the site's own header and ways back
    assert "Django" not in html


def test_an_unknown_product_says_what_was_not_found():
    html = Client().get("/products/sales.nothing/").content.decode()
    assert "No such data product, or you may not see it." in html


def test_a_refusal_shows_meshports_own_403_page(make_user):
    descriptors_import(documents=list(yaml.safe_load_all(orders_yaml())), source="test")
    client = Client()
    client.force_login(make_user("nora"))

    response = client.get("/publish/", {"product": "sales.web_orders"})  # not her domain's

    html = response.content.decode()
    assert response.status_code == 403
    assert "You may not open this page" in html
    assert "Only the product&#x27;s domain team and stewards may edit or copy its descriptor." in html


@override_settings(DEBUG_PROPAGATE_EXCEPTIONS=False)
def test_a_crash_shows_meshports_own_500_page_without_a_traceback(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom in the domains page")
    monkeypatch.setattr("catalog.selectors.domain_list", broken)

    response = Client(raise_request_exception=False).get("/domains/")

    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html
    assert "boom" not in html
    assert "Traceback" not in html
