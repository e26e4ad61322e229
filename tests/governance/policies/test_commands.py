"""Must show 3: ``policies_check`` exits 0 on the demo descriptors and 1 on a broken one, with file and path;
``policies_apply`` twice changes nothing the second time, and disables what a folder no longer has."""
import shutil

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import DataProduct, Domain
from demo.descriptors import demo_descriptors_write
from governance.policies.files import DEFAULTS_DIR
from governance.policies.models import Policy

from .conftest import contract_doc, product_doc


def run(*args) -> tuple[int, str]:
    from io import StringIO

    out = StringIO()
    try:
        call_command(*args, stdout=out, stderr=out)
    except CommandError as exc:
        return 1, out.getvalue() + str(exc)
    return 0, out.getvalue()


@pytest.mark.django_db
def test_policies_check_passes_the_demo_descriptors(defaults):
    files = demo_descriptors_write(data_dir=settings.MESHPORT_DATA_ROOTS[0] / "demo")

    code, out = run("policies_check", *map(str, files.paths))

    assert code == 0, out
    assert "no blocking failure" in out
    assert "warning:" in out  # the demo is not compliant everywhere
    assert not DataProduct.objects.exists()  # checked in a transaction that was rolled back
    assert not Domain.objects.exists()


@pytest.mark.django_db
def test_policies_check_fails_a_broken_descriptor_naming_file_line_and_path(defaults, tmp_path):
    product = product_doc()
    product["team"]["members"][0]["role"] = "analyst"
    path = tmp_path / "orders.yaml"
    path.write_text(yaml.safe_dump_all([product, contract_doc()], sort_keys=False))

    code, out = run("policies_check", str(path))

    assert code == 1
    line = next(x for x in out.splitlines() if "product-owner-team" in x)
    assert line.strip().startswith(f"blocking: {path}:")
    assert ": product.team: product-owner-team (blocking)" in line
    assert "1 blocking failure(s)" in out
    assert not DataProduct.objects.exists()


@pytest.mark.django_db
def test_policies_apply_twice_changes_nothing_the_second_time(tmp_path):
    folder = tmp_path / "policies"
    shutil.copytree(DEFAULTS_DIR, folder)

    code, first = run("policies_apply", str(folder))
    assert code == 0
    assert f"{len(list(folder.glob('*.yaml')))} created" in first
    versions = dict(Policy.objects.values_list("key", "version"))

    code, second = run("policies_apply", str(folder))
    assert code == 0
    assert "0 created, 0 updated, 0 disabled" in second
    assert dict(Policy.objects.values_list("key", "version")) == versions

    (folder / "support-channel.yaml").unlink()
    text = (folder / "quality-score-70.yaml").read_text().replace("severity: warning", "severity: blocking")
    (folder / "quality-score-70.yaml").write_text(text)
    code, dry = run("policies_apply", str(folder), "--dry-run")
    assert "~ quality-score-70: would be updated (severity)" in dry
    assert "- support-channel: would be disabled" in dry
    assert Policy.objects.get(key="support-channel").enabled

    code, third = run("policies_apply", str(folder))
    assert "1 updated, 1 disabled" in third
    assert not Policy.objects.get(key="support-channel").enabled
    assert Policy.objects.get(key="quality-score-70").version == 2


@pytest.mark.django_db
def test_policies_apply_refuses_a_bad_rule_with_file_and_reason(tmp_path):
    (tmp_path / "bad.yaml").write_text("key: bad\ntitle: Bad\nrule: {'==': [{var: product.ownr}, x]}\n")

    code, out = run("policies_apply", str(tmp_path))

    assert code == 1
    assert "bad.yaml: bad.rule" in out
    assert "Unknown field 'product.ownr'" in out
    assert not Policy.objects.exists()
