"""The request budget: the checks stop short of the reserve, the clean-up may spend it."""

from __future__ import annotations

import pytest

from devtools.live.budget import LIMIT, RESERVE, BudgetExhausted, RequestBudget


def test_the_checks_may_spend_all_but_the_reserve() -> None:
    budget = RequestBudget(limit=5, reserve=2)
    for _ in range(3):
        budget.spend()
    with pytest.raises(BudgetExhausted, match="budget of 5 requests"):
        budget.spend()
    assert budget.used == 3


def test_the_clean_up_may_spend_the_reserve_and_no_more() -> None:
    budget = RequestBudget(limit=5, reserve=2)
    for _ in range(3):
        budget.spend()
    with budget.cleaning_up():
        budget.spend()
        budget.spend()
        with pytest.raises(BudgetExhausted, match="clean-up"):
            budget.spend()
    assert budget.used == 5
    assert budget.available == 0


def test_the_reserve_is_only_open_inside_the_block() -> None:
    budget = RequestBudget(limit=2, reserve=1)
    budget.spend()
    with budget.cleaning_up():
        assert budget.available == 1
    assert budget.available == 0


def test_defaults_and_bad_reserve() -> None:
    assert (RequestBudget().limit, RequestBudget().reserve) == (LIMIT, RESERVE) == (60, 12)
    with pytest.raises(ValueError, match="reserve"):
        RequestBudget(limit=3, reserve=4)
