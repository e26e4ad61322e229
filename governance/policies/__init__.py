"""Federated computational governance: policies as code (JSON Logic over a product context), global
and per domain, evaluated on every change, on every policy edit and nightly; blocking ones refuse a publish."""
