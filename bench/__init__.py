"""`make bench`: SPEC section 10 budgets, measured in one run (never in unit tests)."""
