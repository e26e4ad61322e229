"""Governance data: quality runs and scores, policies and evaluations, access requests, audit."""
