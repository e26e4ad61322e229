"""Governance fixtures: a DuckDB connection with a ``port_data`` view, and contract builders."""
import duckdb
import pytest


@pytest.fixture
def port_db():
    """An in-memory DuckDB whose ``port_data`` view holds 10 customers with known defects."""
    con = duckdb.connect(":memory:")
    con.execute(
        """
        CREATE TABLE customers AS SELECT * FROM (VALUES
          (1, 'a@x.io', 'active', 'DE', TIMESTAMP '2026-11-20 10:00:00'),
          (2, NULL,     'active', 'FR', TIMESTAMP '2026-11-20 11:00:00'),
          (3, 'c@x.io', 'closed', 'N/A', TIMESTAMP '2026-11-19 09:00:00'),
          (4, 'bad',    'frozen', '',    TIMESTAMP '2026-11-18 09:00:00'),
          (5, 'e@x.io', 'active', 'DE', NULL),
          (5, 'e@x.io', 'active', 'DE', NULL),
          (7, 'g@x.io', 'active', 'IT', TIMESTAMP '2026-11-17 09:00:00'),
          (8, 'h@x.io', 'closed', 'null', TIMESTAMP '2026-11-16 09:00:00'),
          (9, NULL,     'active', 'ES', TIMESTAMP '2026-11-15 09:00:00'),
          (10,'j@x.io', 'active', 'PT', TIMESTAMP '2026-11-14 09:00:00')
        ) AS t(id, email, status, country, updated_at)
        """
    )
    con.execute("CREATE VIEW port_data AS SELECT * FROM customers")
    yield con
    con.close()


def contract(*, object_quality=(), properties=(), name="customers", sla=()):
    """An ODCS document with one schema object; ``properties`` are (name, logicalType, quality)."""
    return {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": "c-1",
        "version": "1.0.0",
        "status": "active",
        "schema": [
            {
                "name": name,
                "quality": list(object_quality),
                "properties": [
                    {"name": n, "logicalType": t, "quality": list(q)} for n, t, q in properties
                ],
            }
        ],
        "slaProperties": list(sla),
    }


CUSTOMERS_CSV = """id,email,status,updated_at
1,a@x.io,active,2026-11-20 10:00:00
2,,active,2026-11-20 11:00:00
3,c@x.io,closed,2026-11-19 09:00:00
4,bad,frozen,2026-11-18 09:00:00
4,e@x.io,active,2026-11-17 09:00:00
"""


def customers_contract(**extra):
    """A contract for CUSTOMERS_CSV with one rule per defect (nulls, duplicates, invalid values)."""
    doc = contract(
        object_quality=[{"metric": "rowCount", "mustBeGreaterThan": 0}],
        properties=[
            ("id", "integer", [{"metric": "duplicateValues", "mustBe": 0, "severity": "error"}]),
            ("email", "string", [{"metric": "nullValues", "mustBeLessOrEqualTo": 1, "unit": "percent",
                                  "severity": "error"}]),
            ("status", "string", [{"metric": "invalidValues", "arguments": {"validValues": ["active", "closed"]},
                                   "mustBe": 0}]),
            ("updated_at", "timestamp", []),
        ],
    )
    doc.update(extra)
    return doc


@pytest.fixture
def data_dir(settings, tmp_path_factory):
    root = settings.MESHPORT_DATA_ROOTS[0] / tmp_path_factory.mktemp("gov").name
    root.mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture
def domain(db):
    from catalog.models import Domain

    return Domain.objects.get_or_create(slug="sales", defaults={"name": "Sales"})[0]


@pytest.fixture
def make_product(domain, data_dir):
    """A product with one CSV output port under the data root, and its ODCS contract."""
    from catalog.models import Contract, DataProduct, OutputPort

    def make(slug="customers", *, csv_text=CUSTOMERS_CSV, document=None, slo_hours=None, **fields):
        document = document if document is not None else customers_contract()
        contract_row = Contract.objects.create(external_id=f"contract-{slug}", version="1.0.0", document=document)
        fields = {"status": DataProduct.Status.PUBLISHED, "name": slug.title(), **fields}
        product = DataProduct.objects.create(
            domain=domain, slug=slug, external_id=f"product-{slug}", freshness_slo_hours=slo_hours, **fields
        )
        path = data_dir / f"{slug}.csv"
        path.write_text(csv_text)
        OutputPort.objects.create(
            product=product, name="main", version="1.0.0", format="csv", location=str(path),
            contract=contract_row, schema_object="customers",
        )
        return product

    return make


@pytest.fixture
def member(make_user, domain):
    from catalog.models import DomainMembership

    user = make_user("member")
    DomainMembership.objects.create(domain=domain, user=user, role=DomainMembership.Role.MEMBER)
    return user
