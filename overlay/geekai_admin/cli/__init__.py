"""`geekai-admin`: the GeekAI admin API from a shell, for people and for scripts.

    geekai-admin balance
    geekai-admin keys list
    geekai-admin keys get UUID
    geekai-admin keys create --name N [--group G] [--credit-limit COINS] [--expires YYYY-MM-DD] [--secret-to DEST]
    geekai-admin keys update UUID... | SELECTORS [--name N] [--group G] [--credit-limit COINS | --no-limit]
                                  [--expires YYYY-MM-DD | --no-expiry] [--dry-run] [--yes]
    geekai-admin keys delete UUID... | SELECTORS [--dry-run] [--yes]
    geekai-admin keys rotate UUID [--name N] [--keep-old] [--secret-to DEST]
    geekai-admin report [--expiring-within DAYS] [--near-limit PCT]
    geekai-admin check [--min-balance COINS] [--expiring-within DAYS] [--max-usage PCT]
    geekai-admin completion bash|zsh

Key sources, exit status and the --json shapes: `parser.EPILOG` (also shown by --help).

The package, as pip's `cli/` and `commands/`:

- `app`: `main()`, the entry point: parses, then hands over to `run`;
- `parser`: every command's options and --help page (`help_pages`), argument types (`arguments`),
  UUIDs and selectors (`selection`);
- `run`: one run of a parsed command: its `session` (the client, built from the options), the
  errors turned into exit statuses (`exit_codes`, the one table; `errors`, `console`);
- `commands`: one module per command group, imported only when one of its commands runs;
- `output`: what is printed, in each `--format`; `output.secret_file`: where a new secret is handed
  over (--secret-to, --secret-file, stdout); `output.log`: --verbose;

Start-up stays light: parsing the command line imports the standard library only; the client,
httpx and the generated package load when a command runs.
"""

from __future__ import annotations

from geekai_admin.cli.app import main

__all__ = ["main"]
