"""Profiling: read a port's data safely (readers), compute its statistics (profiler), store them with history.

Entry points: ``readers.port_connection(port)`` for any SQL on a port's data,
``services.profile_run_request`` / ``product_profile`` to queue runs, ``signals.port_profiled``.
"""
