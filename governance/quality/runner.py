"""Everything one quality run of a port measures, read through the port's locked-down connection.

The run has one time budget (``MESHPORT_QUALITY_RUN_TIME_LIMIT``) shared by all its queries, each
of which also stops at ``MESHPORT_QUERY_TIME_LIMIT``; rules left when it is spent are recorded as
not evaluated, so one contract cannot hold a worker for its number of rules times the query limit.
"""
from __future__ import annotations

import contextlib
from datetime import datetime

from django.conf import settings

from catalog.models import OutputPort
from governance.quality import rules as contract
from governance.quality.drift import drift_check, observed_drift
from governance.quality.engine import Outcome, run_rules
from governance.quality.freshness import freshness_check, location_mtime
from governance.quality.sqlguard import Deadline
from profiling.errors import ProfilingError
from profiling.readers import port_connection

_NO_DRIFT = object()


def port_outcomes(port: OutputPort, *, freshness_only: bool = False, drift=_NO_DRIFT,
                  now: datetime | None = None) -> list[Outcome]:
    """Run the contract's rules, freshness and schema drift on one port.

    Drift comes from the profile run (``drift``) when there is one, else it is measured here.

    ``ProfilingError`` (the data cannot be opened) propagates unless only freshness is
    asked for, which then falls back to the file's modification time.
    """
    document = port.contract.document if port.contract_id else {}
    obj = contract.schema_object(document, port.schema_object)
    deadline = Deadline(settings.MESHPORT_QUALITY_RUN_TIME_LIMIT, per_query=settings.MESHPORT_QUERY_TIME_LIMIT)
    with _connection(port, tolerate=freshness_only) as con:
        if freshness_only:
            return [_freshness(con, port, document, now=now, deadline=deadline)]
        names = [n for n in (obj.get("name"), obj.get("physicalName"), port.schema_object) if n]
        outcomes = run_rules(con, contract.contract_rules(document, port.schema_object), object_names=names,
                             deadline=deadline)
        outcomes.append(_freshness(con, port, document, now=now, deadline=deadline))
        properties = [p for p in obj.get("properties") or [] if isinstance(p, dict)]
        if properties:  # without a declared schema there is nothing to drift from
            outcomes.append(drift_check(observed_drift(con, properties) if drift is _NO_DRIFT else drift))
    return outcomes


def _freshness(con, port: OutputPort, document: dict, *, now, deadline: Deadline) -> Outcome:
    return freshness_check(
        con,
        slo_hours=port.product.freshness_slo_hours,
        element=contract.freshness_element(document, port.schema_object),
        contract_columns=contract.timestamp_columns(document, port.schema_object),
        mtime=location_mtime(port.location) if port.format != "table" else None,
        now=now,
        deadline=deadline,
    )


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
