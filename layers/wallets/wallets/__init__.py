"""Wallets domain layer: money, lots, holds, the ledger, storage, events and the HTTP surface."""
