"""Leases: named locks every process shares through the database (rebuilds, reconciliation).

A lease is a row; inserting it is the lock (the primary key makes it exclusive). It expires, so a
holder that died cannot block the next run forever; a long holder renews it as it goes.
"""
from __future__ import annotations

import datetime
import socket
import time
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from search.models import SearchLease


class LeaseHeld(Exception):
    """Someone else holds the lease; the message says who and until when."""


@dataclass
class Lease:
    name: str
    holder: str
    ttl: float
    renewed: float = 0.0

    def renew(self, every: float = 30.0) -> None:
        """Push the expiry ``ttl`` seconds ahead (at most once per ``every`` seconds)."""
        now = time.monotonic()
        if now - self.renewed < every:
            return
        self.renewed = now
        SearchLease.objects.filter(name=self.name, holder=self.holder).update(
            expires=timezone.now() + datetime.timedelta(seconds=self.ttl))

    def release(self) -> None:
        SearchLease.objects.filter(name=self.name, holder=self.holder).delete()


def acquire(name: str, ttl: float, detail: str = "") -> Lease:
    """Take the lease ``name`` for ``ttl`` seconds, or raise ``LeaseHeld``."""
    now = timezone.now()
    holder = f"{socket.gethostname()[:40]}:{uuid.uuid4().hex[:16]}"
    SearchLease.objects.filter(name=name, expires__lt=now).delete()
    try:
        with transaction.atomic():
            SearchLease.objects.create(name=name, holder=holder, detail=detail[:200],
                                       expires=now + datetime.timedelta(seconds=ttl))
    except IntegrityError:
        held = SearchLease.objects.filter(name=name).first()
        about = f"{held.detail or 'held'} by {held.holder} until {held.expires:%Y-%m-%d %H:%M:%S} UTC" if held else "held"
        raise LeaseHeld(f"{name}: {about}") from None
    return Lease(name=name, holder=holder, ttl=ttl, renewed=time.monotonic())
