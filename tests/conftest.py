"""Suite-wide fixtures: users in their roles, a small mesh built in code, and the demo mesh once.

In CI (``CI=true``) a skipped test fails the run: a missing service must not pass silently.
"""
import io
import os
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from rest_framework.test import APIClient

from catalog.permissions import STEWARDS_GROUP

DEMO_MESH = "demo_mesh"


def pytest_collection_modifyitems(items):
    """Tests that read the shared demo mesh run last: it is committed once and stays, so every other
    test still starts from an empty database (a stable sort keeps each group's own order)."""
    items.sort(key=lambda item: DEMO_MESH in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="session")
def demo_mesh(django_db_setup, django_db_blocker):
    """``load_demo --quick`` once for the whole run, committed, with everything a load does after
    commit (profiles, checks and scores, the search index, lineage, access, policies) run inline.

    Use it to *read* the demo; a test's own writes roll back with its transaction as usual. A test
    that loads the demo as its subject (``tests/demo/test_demo_load.py``) or needs a real worker
    loads its own.
    """
    with django_db_blocker.unblock():
        data_dir = Path(tempfile.mkdtemp(prefix="demo-session-", dir=settings.MESHPORT_DATA_ROOTS[0]))
        out = io.StringIO()
        call_command("load_demo", "--quick", "--data-dir", str(data_dir), stdout=out)
    return SimpleNamespace(output=out.getvalue(), data_dir=data_dir)


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI") and skipped:
        reporter.write_line(f"CI: {skipped} test(s) skipped; in CI every test must run.", red=True)
        session.exitstatus = 1


@pytest.fixture
def make_user(django_user_model):
    def make(username, *, steward=False, **extra):
        user = django_user_model.objects.create_user(username=username, password="pw", **extra)
        if steward:
            user.groups.add(Group.objects.get_or_create(name=STEWARDS_GROUP)[0])
        return user

    return make


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def steward(make_user):
    return make_user("steward", steward=True)


@pytest.fixture
def consumer(make_user):
    return make_user("consumer")
