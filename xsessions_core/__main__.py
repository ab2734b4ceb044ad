"""``python -m xsessions_core`` = the ``xsessions`` command."""

import sys

from .cli import main

sys.exit(main())
