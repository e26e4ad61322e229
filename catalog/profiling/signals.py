"""Signals sent by profiling, so other apps can react without catalog importing them."""
from django.dispatch import Signal

# Sent after a profile run of an output port succeeded (after commit).
# Keyword arguments: port_id (int), run_id (int).
port_profiled = Signal()
