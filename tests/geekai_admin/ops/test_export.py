"""Keys as code, adopted: the exported file reads back, and planning it shows no change (pure)."""

from __future__ import annotations

import datetime
import tomllib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geekai_admin import ApiKey, InvalidInputError
from geekai_admin._inputs import MAX_AMOUNT
from geekai_admin.ops._export import export_keys_file, toml_string
from geekai_admin.ops._keys_file import parse_keys_file
from geekai_admin.ops._plan import plan
from tests.geekai_admin.samples import api_key

NOW = datetime.datetime(2026, 12, 3, 9, 0, tzinfo=datetime.UTC)


def test_an_export_declares_each_key_as_it_is() -> None:
    keys = [
        api_key(name="team-ci", group="ha", credit_limit=Decimal("10000.50"), expires=datetime.date(2027, 6, 30)),
        api_key(name="team-web", group="balance", credit_limit=None, expires=None),
    ]
    exported = export_keys_file(keys, today=NOW.date(), prune_prefix="team-")
    assert exported.declared == 2
    assert exported.skipped == ()
    body = exported.text.split("\n\n", 1)[1]
    assert body == (
        '[scope]\nprune_prefix = "team-"\n\n'
        '[[key]]\nname = "team-ci"\ngroup = "ha"\ncredit_limit = 10000.50\nexpires = 2027-06-30\n\n'
        '[[key]]\nname = "team-web"\ngroup = "balance"\ncredit_limit = "none"\nexpires = "never"\n'
    )
    assert "2026-12-03" in exported.text.split("\n", 1)[0]
    desired = parse_keys_file(exported.text)
    result = plan(desired, keys, now=NOW, prune=True)
    assert result.changes == ()
    assert result.unchanged == 2


def test_keys_the_file_cannot_declare_are_left_out_and_said_so() -> None:
    unnamed = api_key(name=None)
    twins = [api_key(name="twin"), api_key(name="twin")]
    hidden = api_key(name="evil\u202egnp.exe")
    odd_group = api_key(name="odd", group="turbo")
    fine = api_key(name="fine", group=None)
    exported = export_keys_file([unnamed, *twins, hidden, odd_group, fine], today=NOW.date())
    assert exported.declared == 1
    reasons = dict(exported.skipped)
    assert set(reasons) == {unnamed.uuid, twins[0].uuid, twins[1].uuid, hidden.uuid, odd_group.uuid}
    assert "no name" in reasons[unnamed.uuid]
    assert "2 keys share its name" in reasons[twins[0].uuid]
    assert "control characters" in reasons[hidden.uuid]
    assert "'turbo'" in reasons[odd_group.uuid]
    for uuid in reasons:
        assert f"# Left out: key {uuid}:" in exported.text
    assert "\u202e" not in exported.text
    (declared,) = parse_keys_file(exported.text).keys
    assert declared.name == "fine"
    assert plan(parse_keys_file(exported.text), [fine], now=NOW).unchanged == 1


def test_an_empty_account_exports_a_file_with_no_keys() -> None:
    exported = export_keys_file([], today=NOW.date())
    assert parse_keys_file(exported.text).keys == ()


@given(st.text())
def test_toml_string_reads_back_exactly(text: str) -> None:
    assert tomllib.loads(f"v = {toml_string(text)}")["v"] == text


def test_toml_string_shows_what_is_hidden() -> None:
    assert toml_string('a"b\\c\n\u0007\u0085\u202e\u2028') == '"a\\"b\\\\c\\n\\u0007\\u0085\\u202E\\u2028"'


names = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1, max_size=40).filter(
    lambda name: name.strip() != ""
)
# Any limit the client reads from the API (other tools and the web console may set 1.234 coins).
limits = st.one_of(
    st.none(),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10) ** 12, places=2),
    st.integers(0, 20).flatmap(
        lambda places: st.decimals(min_value=Decimal(1).scaleb(-places), max_value=MAX_AMOUNT, places=places)
    ),
)
dates = st.one_of(st.none(), st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2100, 1, 1)))
groups = st.sampled_from(["lowcost", "balance", "ha"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(names, groups, limits, dates), max_size=8, unique_by=lambda t: t[0]))
def test_planning_an_export_shows_no_change(rows: list[tuple[str, str, Decimal | None, datetime.date | None]]) -> None:
    keys: list[ApiKey] = [
        api_key(name=name, group=group, credit_limit=limit, expires=expires) for name, group, limit, expires in rows
    ]
    exported = export_keys_file(keys, today=NOW.date())
    result = plan(parse_keys_file(exported.text), keys, now=NOW)
    assert result.changes == ()
    assert result.unchanged == exported.declared


def test_limits_the_api_reports_plan_no_change_whatever_their_precision() -> None:
    exact, precise, huge = Decimal("1.234"), Decimal("0.12345678901234567"), Decimal(10) ** 13
    keys = [api_key(name=f"k{i}", credit_limit=limit) for i, limit in enumerate((exact, precise, huge))]
    exported = export_keys_file(keys, today=NOW.date())
    assert "credit_limit = 1.234\n" in exported.text
    assert "# credit_limit 0.12345678901234567 is not managed: more digits than" in exported.text
    assert "# credit_limit 10000000000000 is not managed: larger than" in exported.text
    assert plan(parse_keys_file(exported.text), keys, now=NOW).changes == ()


def test_a_prune_prefix_is_refused_when_a_key_it_covers_is_left_out() -> None:
    hidden = api_key(name="team-\u202eevil")
    with pytest.raises(InvalidInputError, match=rf"keys {hidden.uuid} carry the prefix 'team-'"):
        export_keys_file([api_key(name="team-ok"), hidden], today=NOW.date(), prune_prefix="team-")
    assert export_keys_file([hidden], today=NOW.date(), prune_prefix="other-").declared == 0


def test_look_alike_names_are_left_out() -> None:
    exported = export_keys_file([api_key(name="team-a "), api_key(name="team-u\u0308")], today=NOW.date())
    assert exported.declared == 0
    assert [why for _, why in exported.skipped] == [
        "its name has leading or trailing spaces (names are matched exactly)",
        "its name is not in Unicode NFC form (names are matched exactly)",
    ]
