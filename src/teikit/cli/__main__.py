"""``python -m teikit.cli``: the console script without the script."""

import sys

from teikit.cli import main

sys.exit(main())
