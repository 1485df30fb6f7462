"""`python -m geekai_admin`: the `geekai-admin` command, where the console script is not on PATH."""

import sys

from geekai_admin.cli import main

sys.exit(main())
