"""``python -m artgen_lite`` runs the ``artgen`` command line (chapter "Your own data", notebooks/13_your_own_data)."""

import sys

from .cli import main

sys.exit(main())
