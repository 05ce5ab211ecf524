#!/usr/bin/env python
from ombud.cli import main

if __name__ == "__main__":
    main()
