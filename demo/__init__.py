"""The demo mesh: generated data files, descriptors, users, and every app's demo work (``load_demo``).

The top app: it may import every other app, and nothing imports it.
"""
