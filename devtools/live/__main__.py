import sys

from devtools.live.cli import main

sys.exit(main())
