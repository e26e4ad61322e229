"""Descriptors: import and export ODPS product descriptors with the ODCS contracts of their ports."""
