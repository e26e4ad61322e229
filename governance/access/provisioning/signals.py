"""Provisioning hears the access services' grant signals (sent after commit) and starts or undoes the work."""
from __future__ import annotations


def register_signal_handlers() -> None:
    from governance.access.provisioning import tasks  # noqa: F401  (a subpackage: Celery's autodiscovery misses it)
    from governance.access.signals import grant_activated, grant_ended

    grant_activated.connect(on_grant_activated, dispatch_uid="governance.access.provisioning.grant_activated")
    grant_ended.connect(on_grant_ended, dispatch_uid="governance.access.provisioning.grant_ended")


def on_grant_activated(sender, *, grant_id: int, **kwargs) -> None:
    from governance.access.provisioning.services import provisioning_start

    provisioning_start(grant_id=grant_id)


def on_grant_ended(sender, *, grant_id: int, **kwargs) -> None:
    from governance.access.provisioning.services import provisioning_end

    provisioning_end(grant_id=grant_id)
