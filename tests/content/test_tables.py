import pytest

from portal.content import ContentErrors

RISK = {"kind": "risk-assessment", "title": "Risks", "intro": "How we score risks."}


def errors_of(tree):
    with pytest.raises(ContentErrors) as caught:
        tree.load()
    return [str(error) for error in caught.value.errors]


def risk_rows(*rows):
    return [
        {"threat": "Lost laptop", "impact": 2, "likelihood": 3, "action": "Encrypt"} | row
        for row in rows
    ]


def test_the_risk_score_is_worked_out_from_impact_and_likelihood(tree):
    tree.table("risk", **RISK, rows=risk_rows({}, {"impact": 1, "likelihood": 2}))
    [table] = tree.load().tables
    assert table.headers[-2:] == ("Score (impact x likelihood)", "Risk")
    assert table.rows[0][-2:] == ("6 out of 9", "High")
    assert table.rows[1][-2:] == ("2 out of 9", "Low")


def test_an_impact_of_4_names_file_row_and_field(tree):
    path = tree.table("risk", **RISK, rows=risk_rows({}, {"impact": 4}))
    line = path.read_text().splitlines().index("  impact: 4") + 1
    assert errors_of(tree) == [
        f"policies/tables/risk.yml:{line}: row 2, 'impact': '4' is not allowed; use one of 1, 2, 3"
    ]


def test_a_typed_score_is_refused(tree):
    tree.table("risk", **RISK, rows=risk_rows({"score": 6}))
    [message] = errors_of(tree)
    assert "row 1: unknown field 'score' (it is worked out from impact x likelihood)" in message


def test_an_unknown_column_and_a_missing_field_are_both_reported(tree):
    rows = [
        {
            "technology": "Phones",
            "staff": "allowed",
            "primary": "not-allowed",
            "secondary": "allowed",
            "colour": "red",
        },
        {"technology": "Tablets", "staff": "allowed", "primary": "allowed"},
    ]
    tree.table("comms", kind="communication", title="Tech", intro="Who may use what.", rows=rows)
    messages = errors_of(tree)
    assert any("row 1: unknown field 'colour'" in m for m in messages)
    assert any("row 2: missing 'secondary'" in m for m in messages)
    assert all(m.startswith("policies/tables/comms.yml:") for m in messages)


def test_an_unknown_table_kind_is_refused(tree):
    tree.table("x", kind="timetable", title="X", intro="X", rows=[])
    [message] = errors_of(tree)
    assert message.startswith("policies/tables/x.yml:1: unknown table kind 'timetable'")


def test_sanctions_rows_tick_the_tables_own_actions(tree):
    tree.table(
        "sanctions",
        kind="sanctions",
        title="Sanctions",
        intro="What happens.",
        audience="pupils",
        actions=[
            {"id": "teacher", "label": "Refer to teacher"},
            {"id": "parents", "label": "Tell parents"},
        ],
        rows=[{"incident": "Sharing a password", "actions": ["teacher"]}],
    )
    [table] = tree.load().tables
    assert table.headers == ("Incident", "Refer to teacher", "Tell parents")
    assert table.rows == (("Sharing a password", "Yes", ""),)


def test_a_sanction_action_that_is_not_defined_is_refused(tree):
    tree.table(
        "sanctions",
        kind="sanctions",
        title="S",
        intro="S",
        audience="staff",
        actions=[{"id": "warning", "label": "Warning"}],
        rows=[{"incident": "Misuse", "actions": ["sack"]}],
    )
    [message] = errors_of(tree)
    assert "row 1, 'actions': 'sack' is not one of this table's actions (warning)" in message


def test_table_text_uses_school_placeholders(tree):
    rows = [
        {
            "procedure": "Passwords",
            "status": "partly",
            "actions": "Update the rules",
            "responsible": "{{ roles.dsl.name }}",
        }
    ]
    tree.table("review", kind="self-review", title="Self-review", intro="Our review.", rows=rows)
    [table] = tree.load().tables
    assert table.rows[0] == ("Passwords", "Partly in place", "Update the rules", "Ms Dee Ess")


def test_classification_examples_are_a_list(tree):
    row = {
        "level": "restricted",
        "definition": "d",
        "examples": "one thing",
        "access": "a",
        "labelling": "l",
        "storage": "s",
        "sending": "s",
        "disposal": "d",
    }
    tree.table("classes", kind="classification", title="C", intro="C", rows=[row])
    [message] = errors_of(tree)
    assert "row 1, 'examples': write a list of items" in message
