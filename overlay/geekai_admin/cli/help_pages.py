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

_DESTINATIONS = """\
--secret-to DEST delivers the secret there instead of printing it, and says where:
  file:PATH           a file only you can read (mode 0600)
  env-file:PATH#VAR   sets VAR in a dotenv file, keeping every other line, its owner and group
                      and its mode less others' (a new file: mode 0600)
  exec:COMMAND ARGS   runs COMMAND (no shell) with the secret on its standard input, never in
                      its arguments; exit status 0 means delivered; its output is discarded
A DEST that cannot work (a missing folder, a command not found, a bad variable name) is refused
before anything is sent (exit status 2)."""

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
143, SIGHUP: 129, SIGQUIT: 131), a run starts no more writes, gives those in flight 5 seconds,
and reports every key: done, failed, not started, or unknown (the write was in flight: check the
key).

--json of a bulk run: {{"dry_run": bool, "interrupted": bool, "results": [{{"uuid": str, "ok": bool,
  "outcome": "done"|"failed"|"not started"|"unknown", "error": str|null}}, ...]}}
--format jsonl|csv of a bulk run: one row per key, KEY's fields (as the key was selected, or as it
stands after an update) then "ok", "outcome" and "error"."""


_KEYS_FILE = """\
A keys file (TOML) declares the keys a team needs; keys are told apart by name:

  [defaults]
  group = "balance"
  credit_limit = 10000        # coins; "none" for no limit
  rotate_every = "90d"        # rotated when older than this

  [scope]
  prune_prefix = "team-"      # only unlisted keys with this prefix may go, and only with --prune

  [[key]]
  name = "team-ci"
  expires_after = "180d"      # or expires = 2027-06-30, or "never"
  secret = "exec:gh secret set GEEKAI_API_KEY --repo acme/app"

  [[key]]
  name = "team-web"
  secret = "env-file:deploy/.env#GEEKAI_API_KEY"

A field neither a key nor [defaults] states is not managed. A new secret goes only to its key's
destination: file:PATH (a new 0600 file; a rotated key's own file is replaced atomically),
env-file:PATH#VAR (one variable set in a dotenv file, owner, group and mode kept, less others'
permissions; a new one 0600), exec:COMMAND ARGS (run without
a shell, the secret on its stdin only). Relative paths are read from the keys file's folder; days
are counted in UTC. Refused with exit status 2, before any write, naming the file, the key and the
field: unknown fields, duplicate names, bad durations or dates, a created or rotated key without
a destination (or one that cannot work), two keys in the account sharing a declared name."""

_PLAN_SHAPE = """\
--json: {"changes": [{"action": "create"|"update"|"rotate"|"delete", "name": str, "uuid": str|null,
         "fields": {FIELD: {"old": VALUE, "new": VALUE}}, "due_since": "YYYY-MM-DD" (rotate only)}, ...],
         "unchanged": int}      ("old" is left out for a create; VALUE: str|null as in KEY)"""

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
        "Create an API key; its secret is printed once (or delivered with --secret-to).",
        f"""\
examples:
  $ geekai-admin keys create --name ci --credit-limit 10000 --expires 2026-12-31
  $ geekai-admin keys create --name ci --secret-to 'exec:gh secret set GEEKAI_API_KEY --repo acme/app'
  $ geekai-admin keys create --name web --secret-to 'env-file:deploy/.env#GEEKAI_API_KEY'

{_DESTINATIONS}
file:PATH (and --secret-file PATH, the same) creates a new file: an existing path is refused.
If the secret cannot be delivered (printed, or sent to DEST), the new key is deleted: no one
could use it without its secret (exit status 1). If the server's answer cannot be read, the key
may exist: that raw answer (its secret, if so) is printed without --secret-to, else kept in a
new 0600 file beside DEST (or, if its folder takes no file, in ~/.local/state/geekai-admin),
which the error names (exit status 1).
A name a key already has is refused (exit status 2), since plan and apply tell keys apart by
name: choose another, or pass --allow-duplicate-name. This costs one listing of the keys (a
listing that cannot be read stops the create, exit status 1; --allow-duplicate-name skips it).
Two creates of one name at the same moment can both pass the check.

--json: KEY + {{"secret": str}}   (the full new key: shown this once)
        KEY + {{"secret_to": DEST}} with --secret-to, KEY + {{"secret_file": PATH}} with --secret-file

{KEY_SHAPE}""",
    ),
    "keys update": (
        "Change the named fields of one or more keys, and only those.",
        f"""\
examples:
  $ geekai-admin keys update 123e4567-e89b-12d3-a456-426614174000 --credit-limit 20000 --no-expiry
  $ geekai-admin keys update --in-group lowcost --group balance --dry-run

--name a key other than this one already has, or one --name for several keys, is refused (exit
status 2; plan and apply tell keys apart by name) unless --allow-duplicate-name is given; it
costs one listing of the keys.

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
Creates the new key, hands its secret over (printed once, or delivered with --secret-to), and
only once it was delivered deletes the old key (unless --keep-old: delete it yourself with
'keys delete' once every user has the new secret). Credit used does not carry over: the new
key starts at 0. If the secret cannot be delivered, the new key is deleted and the old one
stays; if a later step fails, the error names both keys and where the new secret is (exit 1).

examples:
  $ geekai-admin keys rotate 123e4567-e89b-12d3-a456-426614174000 --secret-to file:ci.key
  $ geekai-admin keys rotate 123e4567-e89b-12d3-a456-426614174000 --secret-to 'exec:gh secret set GEEKAI_API_KEY'
  $ geekai-admin keys rotate 123e4567-e89b-12d3-a456-426614174000 --name ci-2027 --keep-old

{_DESTINATIONS}
file:PATH replaces the rotated key's own file atomically (a 0600 temporary file, fsynced, renamed
over it); --secret-file PATH still creates a new file only. --name a key other than the old one
already has is refused (exit status 2) unless --allow-duplicate-name is given.

--json: {{"new": KEY + {{"secret": str}} (or {{"secret_to": DEST}} / {{"secret_file": PATH}}),
         "old": {{"uuid": str, "deleted": bool}}}}
  printed in two parts: {{"new": ...}} before the old key is deleted, "old" after it
  ("deleted": null if interrupted during the delete); it is one JSON document either way.

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
    "plan": (
        "Keys as code: compare a keys file with the account and print what apply would change.",
        f"""\
One line per change: create; update (each field old -> new); rotate (due since DATE); delete
(only with --prune); then how many declared keys need no change. Sends no write.
--check exits with status 3 when changes are pending and 0 when none (a CI drift check).

examples:
  $ geekai-admin plan -f keys.toml
  $ geekai-admin plan -f keys.toml --prune --check || echo "the account drifted"

{_KEYS_FILE}

{_PLAN_SHAPE}""",
    ),
    "apply": (
        "Keys as code: change the account to match a keys file, each new secret sent to its destination.",
        f"""\
Creates and updates first, then rotations (the old key is deleted only after the new secret was
delivered), then deletions (only with --prune), at most 8 at a time. Every destination is checked
before the first write. A failed change does not stop the others: each change's outcome is
printed (exit status 1 if any failed, or is unknown: a delivery command ended by a signal or
stopped may or may not have received its secret, so its new key is kept and named, with the
command that deletes it); a failed delivery deletes the new key and keeps the old
one. No secret is ever printed. On a terminal it shows the plan and asks; elsewhere it needs
--yes. --dry-run prints the plan and sends no write. Ctrl-C (or SIGTERM, SIGHUP, SIGQUIT) starts no
further change, lets those in flight finish (up to 5 s), prints every change's outcome, and exits
130 (143, 129, 131). Run
it again after a failure: it plans what is left; once the account matches, it plans nothing.

examples:
  $ geekai-admin apply -f keys.toml --dry-run
  $ geekai-admin apply -f keys.toml --prune --yes

{_KEYS_FILE}

--json: {{"dry_run": false, "interrupted": bool, "results": [{{"action": str, "name": str,
         "uuid": str|null, "ok": bool, "outcome": "done"|"failed"|"not started"|"unknown",
         "error": str|null, "new_uuid": str|null}}, ...]}}
         "error" is set for every failed or unknown change (null when done or not started): for
         an unknown one, what may exist (the new key's uuid when known) and the command that
         checks or deletes it, as its line says
--json with --dry-run (or nothing to do): {{"dry_run": true}} + plan's document""",
    ),
    "export": (
        "Keys as code: write a keys file declaring the account's keys as they are (no secrets).",
        f"""\
Each key's name, group, credit limit and expiry; a key the file cannot declare (no name, a name
two keys share) is left out, with a comment saying why. Planning the exported file shows no
change for those keys. Add a secret destination to a key before it is to be created or rotated.
Without -o the file goes to stdout; -o FILE writes a new file and refuses an existing one (exit
status 2): redirect stdout ('> FILE') to replace a file on purpose.

{_SELECTORS}

examples:
  $ geekai-admin export --match 'team-*' --prune-prefix team- -o keys.toml
  $ geekai-admin export > keys.toml""",
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
