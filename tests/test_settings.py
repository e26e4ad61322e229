"""The environment decides the deployment: embedded defaults, and production checks."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run_manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_environment(tmp_path):
    env = {
        k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="meshport.settings.base",
        DEBUG="false",
        SECRET_KEY="a-long-random-production-secret-key-0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d",
        ALLOWED_HOSTS="meshport.example.com",
        SECURE_HSTS_SECONDS="31536000",
        SECURE_HSTS_PRELOAD="true",
        MESHPORT_VAR_DIR=str(tmp_path),
    )
    result = _run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_embedded_default_runs_tasks_inline_and_searches_the_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "ELASTICSEARCH_URL", "DATABASE_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="meshport.settings.base", MESHPORT_VAR_DIR=str(tmp_path))
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CELERY_TASK_ALWAYS_EAGER, s.SEARCH_BACKENDS['default']['BACKEND'].rsplit('.',1)[-1], "
        "s.DATABASES['default']['ENGINE'].rsplit('.',1)[-1])"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["True", "DatabaseBackend", "sqlite3"], out.stderr


def test_environment_moves_meshport_onto_services(tmp_path):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="meshport.settings.base",
        MESHPORT_VAR_DIR=str(tmp_path),
        DATABASE_URL="postgres://u:p@db.example:5432/mesh",
        REDIS_URL="redis://cache.example:6379/3",
        ELASTICSEARCH_URL="http://es.example:9200",
    )
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL, s.SEARCH_BACKENDS['default']['URL'], "
        "s.DATABASES['default']['HOST'], s.DATABASES['default']['NAME'])"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.stdout.split() == [
        "False", "redis://cache.example:6379/3", "http://es.example:9200", "db.example", "mesh"
    ], out.stderr


def _without(*names):
    return {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", *names}}


def test_production_without_secret_key_refuses_to_start(tmp_path):
    env = _without("DEBUG", "SECRET_KEY", "REDIS_URL")
    env.update(DJANGO_SETTINGS_MODULE="meshport.settings.base", MESHPORT_VAR_DIR=str(tmp_path))
    result = _run_manage("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr, result.stderr
    assert "export SECRET_KEY=" in result.stderr


def _secret_key(env) -> str:
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_debug_without_secret_key_uses_a_key_of_its_own_not_a_public_one(tmp_path):
    env = _without("SECRET_KEY", "REDIS_URL")
    env.update(DJANGO_SETTINGS_MODULE="meshport.settings.base", DEBUG="true", MESHPORT_VAR_DIR=str(tmp_path / "a"))
    first, again = _secret_key(env), _secret_key(env)
    other = _secret_key({**env, "MESHPORT_VAR_DIR": str(tmp_path / "b")})
    assert len(first) >= 50
    assert first == again  # sessions survive a restart of the demo
    assert first != other  # every installation has its own


def test_secret_key_from_the_environment_wins(tmp_path):
    env = _without("SECRET_KEY", "REDIS_URL")
    env.update(DJANGO_SETTINGS_MODULE="meshport.settings.base", DEBUG="false", MESHPORT_VAR_DIR=str(tmp_path),
               SECRET_KEY="k" * 60)
    assert _secret_key(env) == "k" * 60
