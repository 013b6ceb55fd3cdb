"""kb: a knowledge base of Chinese government plans."""

__version__ = "0.1.0"
