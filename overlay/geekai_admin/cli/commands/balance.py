"""`balance`: the account's credit balance, in coins and yuan."""

from __future__ import annotations

from typing import TYPE_CHECKING

from geekai_admin.cli.output import text as fmt

if TYPE_CHECKING:
    from geekai_admin.cli.output.formats import Output
    from geekai_admin.cli.session import Session

__all__ = ["balance"]


def balance(session: Session) -> Output:
    amount = session.client().balance()
    return fmt.balance_json(amount), fmt.balance_text(amount)
