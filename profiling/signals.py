"""Signals sent by profiling, so other apps can react without catalog importing them; and what it hears.

Profiling hears products created and updated (``catalog.changes``) and profiles each port whose
data or contract changed, once. It does not hear ``product_profiled``, which it sends itself.
"""
from django.dispatch import Signal

from catalog import changes

# Sent after a profile run of an output port succeeded (after commit).
# Keyword arguments: port_id (int), run_id (int).
port_profiled = Signal()


def register_signal_handlers() -> None:
    changes.product_created.connect(on_ports_changed, dispatch_uid="profiling.ports.created")
    changes.product_updated.connect(on_ports_changed, dispatch_uid="profiling.ports.updated")


def on_ports_changed(sender, *, changes: tuple[changes.ProductChange, ...], **kwargs) -> None:
    from profiling.tasks import output_port_profile_task

    for port_id in sorted({pk for change in changes for pk in change.port_ids}):
        output_port_profile_task.delay(port_id)
