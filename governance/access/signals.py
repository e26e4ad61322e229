"""Sent after commit when a grant starts or ends, for code that acts on it (provisioning).

Receivers take ``grant_id``; a grant ends by expiry or revocation (read its ``state``).
"""
from django.dispatch import Signal

grant_activated = Signal()  # kwargs: grant_id
grant_ended = Signal()  # kwargs: grant_id
