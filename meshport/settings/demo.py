"""``make demo``: the local demo over plain HTTP, with the pages a newcomer should see.

Everything the local demo needs from DEBUG (a key made once under var/, cookies and redirects
for plain HTTP) without DEBUG's technical pages: a wrong address shows Meshport's own 404 page,
a refusal its 403 and a crash its 500 (``templates/404.html`` …), never Django's yellow pages or
a traceback. Static files are served by WhiteNoise from the source folders, as with DEBUG.
"""
import os

os.environ["DEBUG"] = "true"  # base: the installation's own key and plain-HTTP defaults

from .base import *  # noqa: E402, F403

DEBUG = False
