"""audit.diff and audit.contracts: what changed, and whether it breaks a contract's consumers."""
from audit.contracts import contract_change
from audit.diff import diff, fields_diff, merge


def test_diff_walks_objects_and_keys_named_lists():
    old = {"name": "Orders", "description": {"purpose": "All", "usage": "Join"},
           "ports": [{"name": "a", "version": "1"}, {"name": "b", "version": "1"}], "tags": ["x", "y"]}
    new = {"name": "Orders", "description": {"purpose": "All orders"},
           "ports": [{"name": "b", "version": "2"}, {"name": "a", "version": "1"}], "tags": ["y"], "team": "web"}
    assert diff(old, new) == {
        "added": {"team": "web"},
        "changed": {"description.purpose": ["All", "All orders"], "ports[b].version": ["1", "2"], "tags": [["x", "y"], ["y"]]},
        "removed": {"description.usage": "Join"},
    }
    assert diff(new, new) == {}


def test_fields_diff_takes_the_changed_fields_or_all_on_creation():
    assert fields_diff({"name": "a", "hash": "1"}, {"name": "b", "hash": "2", "x": 1}, ignore={"hash"}) == {
        "changed": {"name": ["a", "b"]}}
    assert fields_diff({}, {"name": "b", "hash": "2"}, ignore={"hash"}) == {"added": {"name": "b"}}


def test_merging_two_diffs_keeps_the_first_old_and_the_last_new_value():
    first = diff({"a": 1, "b": 1}, {"a": 2, "b": 1, "c": 1})
    second = diff({"a": 2, "b": 1, "c": 1}, {"a": 1, "b": 3, "c": 2})
    assert merge(first, second) == {"added": {"c": 2}, "changed": {"b": [1, 3]}}
    assert merge(None, second) == second


def _contract(*columns):
    return {"schema": [{"name": "orders", "properties": list(columns)}], "description": {"purpose": "x"}}


def test_removing_renaming_narrowing_or_requiring_a_column_is_breaking():
    old = _contract({"name": "id", "logicalType": "integer", "physicalType": "bigint"},
                    {"name": "email", "logicalType": "string", "physicalType": "varchar(200)"},
                    {"name": "amount", "logicalType": "number"})
    new = _contract({"name": "id", "logicalType": "integer", "physicalType": "int", "required": True},
                    {"name": "mail", "logicalType": "string"},
                    {"name": "amount", "logicalType": "integer"})
    assert contract_change(old, new)["reasons"] == [
        "column orders.id: physical type bigint → int",
        "column orders.id: now required",
        "column orders.email removed or renamed",
        "column orders.amount: logical type number → integer",
    ]
    assert contract_change(old, {"schema": []})["reasons"] == ["schema object 'orders' removed"]


def test_adding_a_column_widening_a_type_or_describing_is_not_breaking():
    old = _contract({"name": "id", "logicalType": "integer", "physicalType": "int"},
                    {"name": "email", "physicalType": "varchar(100)"})
    new = _contract({"name": "id", "logicalType": "number", "physicalType": "bigint", "description": "The id."},
                    {"name": "email", "physicalType": "VARCHAR(200)"}, {"name": "channel", "required": True})
    new["description"] = {"purpose": "y"}
    change = contract_change(old, new)
    assert (change["breaking"], change["reasons"]) == (False, [])
    assert change["diff"]["added"]["schema[orders].properties[channel].required"] is True


def test_a_new_contract_is_not_breaking():
    assert contract_change(None, _contract({"name": "id"}))["breaking"] is False
