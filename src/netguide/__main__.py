import sys

from netguide.cli import main

sys.exit(main())
