"""Metrics from metadata columns only: never a decryption, never the crypto package."""
