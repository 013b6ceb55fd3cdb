"""One module per tab of the app: its handlers (plain functions of a KnowledgeBase and the form) and ``build``."""
