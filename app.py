"""Serve the knowledge base in a browser: the same as `kb serve` (see `kb serve --help`)."""
import sys

from kb.interfaces.cli import main

if __name__ == "__main__":
    main(["serve", *sys.argv[1:]])
