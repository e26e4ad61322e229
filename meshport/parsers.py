"""A YAML request parser, so descriptors can be posted as they are written."""
import yaml
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser


class YAMLParser(BaseParser):
    media_type = "application/yaml"

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            docs = [d for d in yaml.safe_load_all(stream.read().decode("utf-8")) if d is not None]
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ParseError(f"YAML parse error - {exc}") from exc
        if len(docs) == 1:
            return docs[0]
        return {"documents": docs}


class YAMLTextParser(YAMLParser):
    media_type = "text/yaml"


class YAMLXParser(YAMLParser):
    media_type = "application/x-yaml"
