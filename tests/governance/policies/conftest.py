"""Policy fixtures: the descriptor builders and domains of the catalog tests, the default policies applied."""
import pytest

from governance.policies.files import DEFAULTS_DIR
from governance.policies.services import policies_apply
from tests.catalog.descriptors.conftest import (  # noqa: F401  (fixtures)
    bundle,
    contract_doc,
    data_root,
    finance,
    finance_owner,
    product_doc,
    sales,
    sales_member,
)


@pytest.fixture
def defaults(db):
    """The shipped global policies, applied as `policies_apply` does."""
    return policies_apply(path=DEFAULTS_DIR)
