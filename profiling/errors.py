"""Profiling errors: each carries a reason a person can read on the run's page."""


class ProfilingError(Exception):
    """A profile run cannot complete; ``str(exc)`` is the reason shown to users."""

    transient = False


class LocationRefused(ProfilingError):
    """The port's location is outside the configured data roots or uses a scheme we don't read."""


class SourceUnavailable(ProfilingError):
    """The data is missing or cannot be opened right now (a vanished file, a database that is down)."""

    transient = True


class SourceUnreadable(ProfilingError):
    """The data is there but cannot be parsed: a corrupt file, a wrong delimiter, an empty file."""


class SourceTooLarge(ProfilingError):
    """The data is larger than ``MESHPORT_PROFILE_MAX_BYTES``."""


class UnsupportedSource(ProfilingError):
    """The port's kind, format or server type has no reader."""


class QueryTimeout(ProfilingError):
    """A query ran past its time limit and was interrupted."""


class QueryRefused(ProfilingError):
    """A SQL rule tried to do something other than read the port's data."""
