"""Search by meaning: an embedding model behind one small interface, vectors as derived data,
nearest neighbours in the viewer's scope and reciprocal rank fusion with the lexical list."""
