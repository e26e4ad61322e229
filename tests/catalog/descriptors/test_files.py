"""Descriptor files and the import/export commands: all or nothing, errors with file and line."""
import json
import uuid
from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from catalog.descriptors.services import descriptor_files_import
from catalog.models import Contract, DataProduct, OutputPort
from standards.errors import DescriptorError

from .conftest import contract_doc, data_root, product_doc

pytestmark = pytest.mark.django_db

BAD_PRODUCT = """\
apiVersion: v1.0.0
kind: DataProduct
id: p-bad
name: Bad
domain: sales
status: 12
outputPorts:
  - name: bad
    contractId: c-orders
"""


@pytest.fixture
def folder():
    path = data_root() / "sales" / "descriptors" / uuid.uuid4().hex  # the sales domain's folder: its data is there
    path.mkdir(parents=True)
    return path


def write_yaml(path, *documents):
    path.write_text(yaml.safe_dump_all(list(documents), sort_keys=False))
    return path


def relative_contract():
    contract = contract_doc()
    contract["servers"][1]["path"] = "data/orders.csv"
    return contract


def test_folder_import_resolves_relative_paths_against_the_file(folder):
    write_yaml(folder / "orders.yaml", product_doc(), relative_contract())
    (folder / "notes.txt").write_text("not a descriptor")

    result = descriptor_files_import(paths=[folder])

    assert result.created == ["sales.orders"]
    assert OutputPort.objects.get().location == str(folder / "data" / "orders.csv")


def test_json_file_and_contract_in_its_own_file(folder):
    (folder / "orders.json").write_text(json.dumps(product_doc()))
    write_yaml(folder / "contracts.yml", contract_doc())
    descriptor_files_import(paths=[folder / "orders.json", folder / "contracts.yml"])
    assert OutputPort.objects.get().contract.external_id == "c-orders"


def test_a_bad_file_among_good_ones_writes_nothing(folder):
    write_yaml(folder / "a_orders.yaml", product_doc(), contract_doc())
    write_yaml(folder / "b_other.yaml", product_doc(pid="p-two", name="Two"))
    (folder / "c_bad.yaml").write_text(BAD_PRODUCT)

    with pytest.raises(DescriptorError) as caught:
        descriptor_files_import(paths=[folder])

    assert DataProduct.objects.count() == 0
    assert Contract.objects.count() == 0
    paths = {(e["file"].rsplit("/", 1)[-1], e["line"], e["path"]) for e in caught.value.errors}
    assert paths == {
        ("c_bad.yaml", 6, "product.status"),
        ("c_bad.yaml", 8, "product.outputPorts[0].version"),
    }


def test_cli_prints_file_line_path_and_reason(folder):
    bad = folder / "bad.yaml"
    bad.write_text(BAD_PRODUCT)
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("import_descriptors", str(bad), stderr=err)

    lines = err.getvalue().splitlines()
    assert f"{bad}:6: product.status: Expected string, got integer 12." in lines
    assert DataProduct.objects.count() == 0


def test_cli_reports_invalid_yaml_with_its_line(folder):
    broken = folder / "broken.yaml"
    broken.write_text("apiVersion: v1.0.0\nkind: [DataProduct\nid: x\n")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_descriptors", str(broken), stderr=err)
    assert err.getvalue().startswith(f"{broken}:")
    assert "Invalid YAML" in err.getvalue()


def test_cli_reports_created_then_unchanged(folder):
    write_yaml(folder / "orders.yaml", product_doc(), relative_contract())
    out = StringIO()
    call_command("import_descriptors", str(folder), stdout=out)
    call_command("import_descriptors", str(folder), stdout=out)
    assert out.getvalue().splitlines() == [
        "created: sales.orders", "1 created, 0 updated, 0 unchanged.",
        "unchanged: sales.orders", "0 created, 0 updated, 1 unchanged.",
    ]


def test_export_command_round_trips(folder):
    write_yaml(folder / "orders.yaml", product_doc(), relative_contract())
    call_command("import_descriptors", str(folder), stdout=StringIO())
    exported = folder / "export" / "orders.yaml"
    exported.parent.mkdir()

    call_command("export_descriptor", "sales.orders", output=exported, stdout=StringIO())
    result = descriptor_files_import(paths=[exported])

    assert result.unchanged == ["sales.orders"]
    product, contract = yaml.safe_load_all(exported.read_text())
    assert product["id"] == "p-orders"
    assert contract["servers"][1]["path"] == str(folder / "data" / "orders.csv")


def test_export_command_unknown_product():
    with pytest.raises(CommandError, match="nope.nope"):
        call_command("export_descriptor", "nope.nope")


def test_json_file_errors_carry_lines(folder):
    path = folder / "orders.json"
    path.write_text(json.dumps([product_doc(status=12), contract_doc()], indent=2))
    with pytest.raises(DescriptorError) as caught:
        descriptor_files_import(paths=[path])
    (error,) = caught.value.errors
    assert error["path"] == "product.status"
    assert path.read_text().splitlines()[error["line"] - 1].strip() == '"status": 12,'
