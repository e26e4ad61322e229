"""Request parsers for JSON and YAML bodies, bounded: they read at most the upload limit, then parse
through ``meshport.bounded`` (no alias expansion, no recursion, depth and values checked).

DRF's parsers read ``request.stream`` directly, which skips Django's DATA_UPLOAD_MAX_MEMORY_SIZE
check; so each parser here reads no more than ``MESHPORT_MAX_BODY_BYTES`` + 1 bytes, whatever the
headers claim, and answers 413 past it. YAML is accepted so descriptors can be posted as written.
"""
from django.conf import settings
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer

from meshport.bounded import InputRejected, load_json, load_yaml
from meshport.exceptions import BodyRejected, RequestTooLarge


def read_bounded(stream) -> bytes:
    """The whole body, or ``RequestTooLarge`` once it passes the limit (without reading further)."""
    limit = settings.MESHPORT_MAX_BODY_BYTES
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise RequestTooLarge(limit)
    return data


class JSONParser(BaseParser):
    media_type = "application/json"
    renderer_class = JSONRenderer

    def parse(self, stream, media_type=None, parser_context=None):
        data = read_bounded(stream)
        try:
            return load_json(data)
        except InputRejected as exc:
            raise BodyRejected(exc.errors, "The body is not JSON Meshport can accept.") from exc


class YAMLParser(BaseParser):
    """One document, or ``{"documents": [...]}`` for a multi-document stream (empty documents dropped)."""

    media_type = "application/yaml"

    def parse(self, stream, media_type=None, parser_context=None):
        data = read_bounded(stream)
        try:
            loaded = load_yaml(data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise BodyRejected([{"path": "", "message": f"Not UTF-8 text: {exc.reason}."}]) from exc
        except InputRejected as exc:
            raise BodyRejected(exc.errors, "The body is not YAML Meshport can accept.") from exc
        docs = [doc.data for doc in loaded if doc.data is not None]
        if len(docs) == 1:
            return docs[0]
        return {"documents": docs}


class YAMLTextParser(YAMLParser):
    media_type = "text/yaml"


class YAMLXParser(YAMLParser):
    media_type = "application/x-yaml"
