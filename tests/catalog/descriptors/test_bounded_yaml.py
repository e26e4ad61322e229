"""Descriptor files from the command line read through the bounded loader: hostile files are refused
with ``file:line: path: reason``, quickly, and nothing is imported."""
import json
import time
import uuid
from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from catalog.models import Contract, DataProduct
from tests.test_hostile_input import ALIAS_BOMB, nested_json

from .conftest import contract_doc, data_root, product_doc

pytestmark = pytest.mark.django_db


@pytest.fixture
def folder():
    path = data_root() / "sales" / "descriptors" / uuid.uuid4().hex
    path.mkdir(parents=True)
    return path


def import_errors(path) -> list[str]:
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_descriptors", str(path), stderr=err)
    assert not DataProduct.objects.exists()
    assert not Contract.objects.exists()
    return err.getvalue().splitlines()


def test_alias_bomb_file_is_refused_at_once_with_file_and_line(folder, settings):
    settings.MESHPORT_PARSE_MAX_ALIAS_NODES = 10_000
    bomb = folder / "bomb.yaml"
    bomb.write_text(ALIAS_BOMB)
    started = time.perf_counter()
    lines = import_errors(bomb)
    assert time.perf_counter() - started < 0.5
    assert lines[0].startswith(f"{bomb}:4: d[")
    assert "aliases (*c) expand this text by more than 10000 values" in lines[0]


def test_python_tag_in_a_file_is_named_with_its_line(folder):
    path = folder / "evil.yaml"
    path.write_text(yaml.safe_dump(product_doc()) + "x: !!python/object/apply:os.system [id]\n")
    (line,) = import_errors(path)
    number = len(path.read_text().splitlines())
    assert line == (f"{path}:{number}: x: The tag !!python/object/apply:os.system is not accepted: "
                    "only plain values, lists and mappings are.")


def test_json_file_nested_1000_deep_is_refused_by_depth(folder):
    path = folder / "deep.json"
    path.write_text(nested_json(1000))
    (line,) = import_errors(path)
    assert line.startswith(f"{path}: name.name.name")
    assert line.endswith("Nested deeper than 64 levels.")


def test_nul_escape_in_a_server_path_names_file_line_and_path(folder):
    contract = contract_doc()
    contract["servers"][1]["path"] = "orders\x00.csv"
    path = folder / "orders.yaml"
    path.write_text(yaml.safe_dump_all([product_doc(), contract], sort_keys=False))
    number = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "\\0" in text)
    (line,) = import_errors(path)
    assert line.startswith(f"{path}:{number}: documents[1].servers[1].path: Contains a NUL character")


def test_raw_control_character_names_its_line(folder):
    path = folder / "raw.yaml"
    path.write_text("apiVersion: v1.0.0\nkind: DataProduct\nname: a\x00b\n")
    (line,) = import_errors(path)
    assert line.startswith(f"{path}:3: Invalid YAML: control characters are not allowed")


def test_an_alias_inside_its_own_anchor_is_refused(folder):
    path = folder / "loop.yaml"
    path.write_text("kind: DataProduct\nloop: &a [1, *a]\n")
    (line,) = import_errors(path)
    assert line == f"{path}:2: loop[1]: Unknown alias *a: an alias repeats a value anchored before it."


def test_json_lone_surrogate_in_a_file_names_its_line(folder):
    path = folder / "orders.json"
    path.write_text(json.dumps(product_doc(name="NAME"), indent=2).replace("NAME", "\\udc00"))
    (line,) = import_errors(path)
    number = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "udc00" in text)
    assert line.startswith(f"{path}:{number}: Invalid JSON:")
    assert "surrogate" in line
