"""With these settings, tests run faster and never touch the developer's own data."""
import os
import tempfile
from pathlib import Path

# The suite's own key, set before base reads it (base refuses to start without one when DEBUG is
# off). In the environment, so the processes tests start (a Celery worker) inherit it too.
os.environ.setdefault("SECRET_KEY", "meshport-test-suite-only-key-" + "x" * 40)

from .base import *  # noqa: E402, F403
from .base import env  # noqa: E402

DEBUG = False
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The suite's own data root; tests write their files under it.
_TEST_DATA = Path(env.str("MESHPORT_TEST_DATA_DIR", default=tempfile.mkdtemp(prefix="meshport-test-data-")))
MESHPORT_DATA_ROOTS = [_TEST_DATA.resolve()]
MESHPORT_DEMO_DATA_DIR = _TEST_DATA / "demo"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: a Celery worker started by a test (tests/test_worker.py) opens it too.
    DATABASES["default"]["TEST"] = {"NAME": str(_TEST_DATA.parent / f"{_TEST_DATA.name}.sqlite3")}  # noqa: F405
# Tests choose their search backend explicitly; the default stays the embedded one.
SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.database.DatabaseBackend"}}
# Embedding costs ~0.1 s a product: the hundreds of tests that index products skip it; the
# semantic tests (tests/search/test_semantic.py) turn it on with the `settings` fixture.
MESHPORT_SEARCH_SEMANTIC = False
CELERY_TASK_ALWAYS_EAGER = True
LINEAGE_GRAPH_DEFERRED = False  # lineage's deferred tests turn it on with the `settings` fixture
CELERY_BROKER_URL = "memory://localhost/"
CELERY_RESULT_BACKEND = None
STATIC_ROOT = tempfile.mkdtemp(prefix="meshport-test-static-")  # WhiteNoise wants it to exist
# Failed API tokens are counted in a cache that keeps nothing, so tests that send wrong tokens
# never add up to a lock-out in a later test (tests/test_throttling.py gives itself a real one).
# Failed log-ins are counted in the database, which every test rolls back.
CACHES = {**CACHES, "throttle": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}  # noqa: F405
