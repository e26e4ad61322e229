"""Helpers of bench/profile.py: the generated table and the baseline profilers."""
