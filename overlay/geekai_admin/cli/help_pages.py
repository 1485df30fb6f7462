"""The --help page of each `geekai-admin` command: a one-line description, an example, the JSON shape.

Plain strings only: this module is read on every start, and --help must stay fast.
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["KEY_SHAPE", "page"]

KEY_SHAPE = """\
KEY = {"uuid": str, "name": str|null, "value": str|null (the masked key), "group": str|null,
       "credit_limit": str|null (coins, decimal string; null = no limit),
       "credit_used": str|null (coins), "expires": "YYYY-MM-DD"|null (null = never),
       "expired": bool|null, "enabled": bool|null, "last_used_at": ISO 8601|null,
       "created_at": ISO 8601|null, "extra": {fields the API added, never a secret}}"""

_SELECTORS = """\
Selectors (several combine with AND): --match GLOB (the key's name, * ? [..], case-sensitive),
--in-group G, --expired, --expiring-within DAYS (expires within DAYS from today, not yet
expired), --unused (never used)."""

_BULK = f"""\
{_SELECTORS}

With several UUIDs or with selectors this is a bulk run: each key's outcome is reported, a
failed key does not stop the others (exit status 1 if any failed), at most 8 requests run at
once. With selectors, --dry-run lists the keys it would change and sends no write; a real run
needs --yes, or a confirmation on a terminal. Interrupted (Ctrl-C: exit status 130, SIGTERM:
143), a run starts no more writes, gives those in flight 5 seconds, and reports every key: done,
failed, not started, or unknown (the write was in flight: check the key).

--json of a bulk run: {{"dry_run": bool, "interrupted": bool, "results": [{{"uuid": str, "ok": bool,
  "outcome": "done"|"failed"|"not started"|"unknown", "error": str|null}}, ...]}}
--format jsonl|csv of a bulk run: one row per key, KEY's fields (as the key was selected, or as it
stands after an update) then "ok", "outcome" and "error"."""

_PAGES: dict[str, tuple[str, str]] = {
    "balance": (
        "Show the account's credit balance, in coins and yuan (100 coins = 1 yuan).",
        """\
example:
  $ geekai-admin balance
  Balance: 123456.78 coins (1234.5678 yuan; 100 coins = 1 yuan)

--json: {"coins": str, "yuan": str}   (decimal strings: exact)""",
    ),
    "keys": (
        "List, show, create, update, rotate or delete API keys.",
        "Run 'geekai-admin keys ACTION --help' for each action's options, an example and its JSON shape.",
    ),
    "keys list": (
        "List the API keys, as a table, JSON, JSON lines or CSV; optionally only some, sorted.",
        f"""\
{_SELECTORS}
--sort orders by name, created, last-used, credit-used or expires (keys without a value last).

examples:
  $ geekai-admin keys list --in-group ha --sort credit-used
  $ geekai-admin keys list --expiring-within 30 --format csv > expiring.csv

--json: {{"keys": [KEY, ...]}}
--format jsonl: one KEY a line; --format csv: a header row of KEY's field names, then one row
a key (amounts exact; a cell starting with = + - @ TAB or CR is prefixed with ').

{KEY_SHAPE}""",
    ),
    "keys get": (
        "Show one API key.",
        f"""\
example:
  $ geekai-admin keys get 123e4567-e89b-12d3-a456-426614174000

--json: KEY

{KEY_SHAPE}""",
    ),
    "keys create": (
        "Create an API key; its secret is printed once (or written to --secret-file).",
        f"""\
examples:
  $ geekai-admin keys create --name ci --credit-limit 10000 --expires 2026-12-31
  $ geekai-admin keys create --name ci --secret-file ci.key    # the secret goes to ci.key only

--secret-file PATH creates a new file (never overwrites: an existing path is refused before
anything is sent, exit status 2), readable by you only (mode 0600), holding the secret and a
newline; the secret is then printed nowhere.

--json: KEY + {{"secret": str}}   (the full new key: shown this once)
        KEY + {{"secret_file": PATH}} with --secret-file

{KEY_SHAPE}""",
    ),
    "keys update": (
        "Change the named fields of one or more keys, and only those.",
        f"""\
examples:
  $ geekai-admin keys update 123e4567-e89b-12d3-a456-426614174000 --credit-limit 20000 --no-expiry
  $ geekai-admin keys update --in-group lowcost --group balance --dry-run

{_BULK}

--json of one key: KEY (as it stands after the change)

{KEY_SHAPE}""",
    ),
    "keys delete": (
        "Delete one or more keys (asks first on a terminal; from a script, needs --yes).",
        f"""\
examples:
  $ geekai-admin keys delete 123e4567-e89b-12d3-a456-426614174000 --yes
  $ geekai-admin keys delete --match 'tmp-*' --expired --dry-run

{_BULK}

--json of one key: {{"uuid": str, "deleted": true}}""",
    ),
    "keys rotate": (
        "Replace a key with a new one of the same name, group, credit limit and expiry.",
        f"""\
Creates the new key, hands its secret over (printed once, or written to --secret-file), and only
then deletes the old key (unless --keep-old: delete it yourself with 'keys delete' once every
user has the new secret). Credit used does not carry over: the new key starts at 0.
If a step fails, the error names both keys and where the new secret is (exit status 1).

examples:
  $ geekai-admin keys rotate 123e4567-e89b-12d3-a456-426614174000 --secret-file ci.key
  $ geekai-admin keys rotate 123e4567-e89b-12d3-a456-426614174000 --name ci-2027 --keep-old

--json: {{"new": KEY + {{"secret": str}} (or {{"secret_file": PATH}}), "old": {{"uuid": str, "deleted": bool}}}}

{KEY_SHAPE}""",
    ),
    "report": (
        "Summarise spend: balance, credit used overall and per group, keys near their limit, "
        "expiring, expired or never used.",
        f"""\
example:
  $ geekai-admin report --expiring-within 30 --near-limit 75

--json: {{"balance": {{"coins": str, "yuan": str}}, "keys": int, "credit_used": str,
         "by_group": {{GROUP: {{"keys": int, "credit_used": str}}, ...}},
         "near_limit": [KEY, ...], "expiring": [KEY, ...], "expired": [KEY, ...], "unused": [KEY, ...]}}
Amounts are exact decimal strings, in coins. A key is near its limit when it has a limit and
credit used / limit >= PCT %.

{KEY_SHAPE}""",
    ),
    "check": (
        "Check thresholds for cron, CI and monitoring: exit status 3 when anything needs attention.",
        """\
Prints one line per problem: a balance below --min-balance (checked only when given), a key
expiring within --expiring-within days, a key whose credit used is at or over --max-usage % of
its limit, an expired key. Exit status: 0 no problem, 3 problems found, 1 the API or the network
failed, 2 bad input.

examples:
  $ geekai-admin check --min-balance 5000 || notify-me
  $ geekai-admin check --expiring-within 14 --max-usage 80 --json

--json: {"ok": bool, "problems": [{"kind": "balance"|"expiring"|"usage"|"expired",
         "uuid": str|null, "message": str}, ...]}""",
    ),
    "completion": (
        "Print a shell completion script for bash or zsh.",
        """\
examples:
  $ geekai-admin completion bash > ~/.local/share/bash-completion/completions/geekai-admin
  $ geekai-admin completion zsh > "${fpath[1]}/_geekai-admin"
  $ eval "$(geekai-admin completion bash)"       # this shell only""",
    ),
}


def page(command: str) -> dict[str, Any]:
    """The keyword arguments of `add_parser` that give `command` its --help page."""
    description, epilog = _PAGES[command]
    return {"description": description, "epilog": epilog, "formatter_class": argparse.RawDescriptionHelpFormatter}
