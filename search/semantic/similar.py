"""Similar products: the nearest neighbours of a product's vectors, in the viewer's scope.

The product's own passages (``store.semantic_chunks``), averaged, are the query; every other product
scores by its best passage, as a search by meaning does. A suggestion is something to use, so only
products whose details the viewer may read are suggested (a restricted product only to its team,
stewards and grantees), though search lists it to every signed-in viewer. A restricted product's
column text was never embedded, so it cannot pull its neighbours towards it nor them to it.
"""
from __future__ import annotations

import numpy as np

from catalog.models import DataProduct
from catalog.visibility import Viewer
from search.backends import get_backend
from search.semantic import store
from search.types import Hit, SearchRequest

SIMILAR = 5
CANDIDATES = 50  # nearest products in the listing scope, of which the readable ones are kept
# Below this cosine similarity a neighbour shares little more than the catalogue's common words.
MIN_SIMILARITY = 0.80


def similar_products(product, viewer: Viewer, k: int = SIMILAR) -> list[Hit]:
    """Up to k products nearest in meaning to this one that the viewer may list (none when search by
    meaning is off, the backend cannot search by meaning, or the product has no vector yet)."""
    backend = get_backend()
    if not store.enabled() or not backend.supports_semantic:
        return []
    own = store.matrix().vectors_of(product.pk)
    if own is None or not len(own):
        return []
    query = own.mean(axis=0)
    query = (query / np.linalg.norm(query)).astype(np.float32)
    request = SearchRequest(viewer=viewer, facets=False)
    near = [(pk, score) for pk, score in backend.nearest(request, query, CANDIDATES)
            if pk != product.pk and score >= MIN_SIMILARITY]
    readable = set(DataProduct.objects.filter(viewer.reads_q(), pk__in=[pk for pk, _ in near]).values_list("pk", flat=True))
    found = [(pk, score) for pk, score in near if pk in readable][:k]
    return backend.hits(request, found) if found else []
