"""Everything one quality run of a port measures, read through the port's locked-down connection."""
from __future__ import annotations

import contextlib
from datetime import datetime

from django.conf import settings

from catalog.models import OutputPort
from catalog.profiling.errors import ProfilingError
from catalog.profiling.readers import port_connection
from governance.quality import rules as contract
from governance.quality.drift import drift_check
from governance.quality.engine import Outcome, run_rules
from governance.quality.freshness import freshness_check, location_mtime

_NO_DRIFT = object()


def port_outcomes(port: OutputPort, *, freshness_only: bool = False, drift=_NO_DRIFT,
                  now: datetime | None = None) -> list[Outcome]:
    """Run the contract's rules, freshness and (when known) schema drift on one port.

    ``ProfilingError`` (the data cannot be opened) propagates unless only freshness is
    asked for, which then falls back to the file's modification time.
    """
    document = port.contract.document if port.contract_id else {}
    names = _object_names(document, port.schema_object)
    timeout = settings.MESHPORT_QUERY_TIME_LIMIT
    with _connection(port, tolerate=freshness_only) as con:
        outcomes = [] if freshness_only else run_rules(
            con, contract.contract_rules(document, port.schema_object), object_names=names, timeout=timeout
        )
        outcomes.append(
            freshness_check(
                con,
                slo_hours=port.product.freshness_slo_hours,
                element=contract.freshness_element(document, port.schema_object),
                contract_columns=contract.timestamp_columns(document, port.schema_object),
                mtime=location_mtime(port.location) if port.format != "table" else None,
                now=now,
                timeout=timeout,
            )
        )
    if not freshness_only and drift is not _NO_DRIFT:
        outcomes.append(drift_check(drift))
    return outcomes


@contextlib.contextmanager
def _connection(port: OutputPort, *, tolerate: bool):
    """The port's connection; None instead of an error when ``tolerate`` (freshness has the mtime)."""
    with contextlib.ExitStack() as stack:
        try:
            con = stack.enter_context(port_connection(port))
        except ProfilingError:
            if not tolerate:
                raise
            con = None
        yield con


def _object_names(document: dict, object_name: str) -> list[str]:
    obj = contract.schema_object(document, object_name)
    return [n for n in (obj.get("name"), obj.get("physicalName"), object_name) if n]
