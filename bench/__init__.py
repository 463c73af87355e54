"""`make bench`: the budgets of docs/contract.md section 7, measured in one run (never in unit tests)."""
