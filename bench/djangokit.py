"""Django for a benchmark in a scratch folder: its own SQLite file (unless DATABASE_URL says
otherwise), the test settings (tasks inline), migrated."""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(folder: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder / 'bench.sqlite3'}")
    os.environ.update({"DJANGO_SETTINGS_MODULE": "meshport.settings.test", "MESHPORT_TEST_DATA_DIR": str(folder),
                       "LOG_LEVEL": "WARNING"})
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
